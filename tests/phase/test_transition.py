"""One l_c for every form (half-rise), the fit-free l_c and the jump at the transition, against closed forms."""

import numpy as np
import pytest

from semphys.phase.transition import half_rise_layer, sigma_half_rise, transition_share

LAYERS = np.arange(1, 13, dtype=np.float64)


def test_half_rise_of_each_form_by_hand() -> None:
    # second order c + A (l - 4)^0.5 on 1..12: half of the rise A sqrt(8) at (l - 4) = 8 / 4 -> l = 6
    assert half_rise_layer("second_order", np.array([0.0, 1.0, 4.0, 0.5]), 1, 12) == pytest.approx(6.0)
    # beta = 1: a straight ramp from l_c = 2 to 12 reaches half way at 7
    assert half_rise_layer("second_order", np.array([0.3, -2.0, 2.0, 1.0]), 1, 12) == pytest.approx(7.0)
    # a tanh centred in the range reaches half its rise at its midpoint; off centre it does not
    assert half_rise_layer("tanh", np.array([0.0, 1.0, 6.5, 0.7]), 1, 12) == pytest.approx(6.5)
    off = float(half_rise_layer("tanh", np.array([0.0, 1.0, 2.0, 0.3]), 1, 12))
    t1, t12 = np.tanh(0.3 * (1 - 2)), np.tanh(0.3 * (12 - 2))
    assert np.tanh(0.3 * (off - 2)) == pytest.approx((t1 + t12) / 2) and off > 2
    assert half_rise_layer("step", np.array([0.0, 1.0, 5.5]), 1, 12) == pytest.approx(5.5)
    assert np.isnan(half_rise_layer("step", np.array([0.0, 0.0, 5.5]), 1, 12))  # no rise, no l_c


def test_half_rise_layer_is_vectorised() -> None:
    params = np.array([[[0.0, 1.0, 4.0, 0.5], [0.0, 1.0, 2.0, 1.0]]])
    assert half_rise_layer("second_order", params, 1, 12) == pytest.approx(np.array([[6.0, 7.0]]))


def test_fit_free_half_rise_interpolates_between_layers() -> None:
    ramp = LAYERS - 1.0  # 0 .. 11, half way (5.5) at layer 6.5
    assert sigma_half_rise(ramp, LAYERS) == pytest.approx(6.5)
    falling = -np.tanh(LAYERS - 8.0)
    assert sigma_half_rise(falling, LAYERS) == pytest.approx(8.0, abs=0.02)
    assert np.isnan(sigma_half_rise(np.zeros(12), LAYERS))
    both = sigma_half_rise(np.stack([ramp, 2 * ramp]), LAYERS)
    assert both == pytest.approx([6.5, 6.5])


def test_transition_share_separates_a_jump_from_a_ramp() -> None:
    step = (LAYERS > 6.5).astype(float)
    assert transition_share(step, LAYERS, np.array(6.5)) == pytest.approx(1.0)
    ramp = LAYERS - 1.0
    assert transition_share(ramp, LAYERS, np.array(6.5)) == pytest.approx(2 / 11)  # 2 layers of 11
    # at the edge the window is clipped to the fitted layers: 1 to 2 of a ramp
    assert transition_share(ramp, LAYERS, np.array(1.0)) == pytest.approx(1 / 11)
    assert np.isnan(transition_share(ramp, LAYERS, np.array(np.nan)))
    assert np.isnan(transition_share(np.ones(12), LAYERS, np.array(5.0)))
