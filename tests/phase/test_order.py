"""The order parameter against hand computations on tiny vectors."""

import numpy as np
import pytest

from semphys.phase.order import (
    direction_alignment,
    jump,
    order_parameter,
    sense_direction,
    sign_matches,
    unit,
)


def test_sigma_by_hand_in_two_dimensions() -> None:
    # one prompt, two layers; e_A = x, e_B = y at both layers
    e_a = np.array([[1.0, 0.0], [1.0, 0.0]])
    e_b = np.array([[0.0, 1.0], [0.0, 1.0]])
    phi = np.array([[[3.0, 4.0], [1.0, 0.0]]])
    sigma = order_parameter(phi, e_a, e_b, "per-layer")
    assert sigma.tolist() == [[pytest.approx(0.6 - 0.8), pytest.approx(1.0)]]


def test_final_mode_uses_the_last_layer_directions_everywhere() -> None:
    e_a = np.array([[0.0, 1.0], [1.0, 0.0]])  # layer 0 direction differs from the last layer's
    e_b = np.array([[1.0, 0.0], [0.0, 1.0]])
    phi = np.array([[[1.0, 0.0], [1.0, 0.0]]])
    assert order_parameter(phi, e_a, e_b, "final").tolist() == [[1.0, 1.0]]
    assert order_parameter(phi, e_a, e_b, "per-layer").tolist() == [[-1.0, 1.0]]


def test_sigma_is_bounded_and_antisymmetric_in_the_senses() -> None:
    rng = np.random.default_rng(0)
    phi = rng.normal(size=(5, 4, 16))
    e_a, e_b = unit(rng.normal(size=(4, 16))), unit(rng.normal(size=(4, 16)))
    sigma = order_parameter(phi, e_a, e_b, "per-layer")
    assert np.all(np.abs(sigma) <= 2) and np.allclose(sigma, -order_parameter(phi, e_b, e_a, "per-layer"))


def test_directions_average_anchors_and_accept_bootstrap_counts() -> None:
    anchors = np.array([[[2.0, 0.0]], [[0.0, 2.0]]])  # two anchors, one layer
    assert np.allclose(sense_direction(anchors), [[2**-0.5, 2**-0.5]])
    counts = np.array([[2.0, 0.0], [1.0, 1.0]])  # draw 1: the first anchor twice
    drawn = sense_direction(anchors, counts)
    assert drawn.shape == (2, 1, 2) and np.allclose(drawn[0], [[1.0, 0.0]]) and np.allclose(drawn[1], [[2**-0.5] * 2])
    assert np.allclose(unit(np.zeros((1, 3))), 0.0)  # a zero vector stays zero, no NaN


def test_alignment_jump_and_sign() -> None:
    e_a = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    e_b = np.zeros((3, 2))
    e_b[0] = e_a[0]  # no contrast at layer 0
    alignment = direction_alignment(e_a, e_b)
    assert np.isnan(alignment[0]) and alignment[1] == pytest.approx(0.0) and alignment[2] == pytest.approx(1.0)
    assert jump(np.array([0.0, 0.05, 0.4, 0.38])) == pytest.approx(0.35)
    assert sign_matches(np.array([0.2, -0.1, 0.0]), [1, 1, -1]).tolist() == [True, False, False]
