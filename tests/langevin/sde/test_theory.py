"""Closed forms against hand values and against each other."""

import math

import pytest
import torch

from semphys.langevin.sde import theory


def test_mean_resultant_length_in_three_dimensions_is_langevin_function() -> None:
    for k in (0.5, 2.0, 10.0):
        assert theory.mean_resultant_length(3, k) == pytest.approx(1 / math.tanh(k) - 1 / k)
    assert theory.mean_resultant_length(5, 0.0) == 0.0


def test_induced_distribution_mixes_q_with_uniform() -> None:
    q = torch.tensor([0.7, 0.2, 0.1], dtype=torch.float64)
    p = theory.induced_distribution(q, 50.0)
    eps = theory.vmf_mixing_weight(3, 50.0)
    assert torch.allclose(p, (1 - eps) * q + eps / 3) and float(p.sum()) == pytest.approx(1.0)
    assert eps == pytest.approx(3 * theory.mean_resultant_length(3, 50.0) / 50.0)
    assert theory.vmf_mixing_weight(3, 1e6) < 1e-5


def test_vmf_relaxation_without_drift_is_brownian_motion() -> None:
    for d in (2, 3, 8):
        assert theory.vmf_relaxation(d, 0.0, 0.7, 0.4, 1.3) == pytest.approx(
            0.4 * theory.brownian_mean_cosine(d, 0.7, 1.3)
        )


def test_vmf_relaxation_reaches_the_stationary_mean() -> None:
    assert theory.vmf_relaxation(3, 2.0, 1.0, -0.5, 20.0) == pytest.approx(
        theory.mean_resultant_length(3, 2.0), abs=1e-6
    )


def test_kramers_exact_and_asymptotic_agree_for_high_barriers() -> None:
    low = theory.kramers_overdamped_asymptotic(1, 1, 1 / 5) / theory.kramers_overdamped_exact(1, 1, 1 / 5, math.pi / 6)
    high = theory.kramers_overdamped_asymptotic(1, 1, 1 / 25) / theory.kramers_overdamped_exact(
        1, 1, 1 / 25, math.pi / 6
    )
    assert 1.05 < low < 1.2 and abs(high - 1) < 0.03
    under = theory.kramers_underdamped(1, 2.8, 1, 1 / 25) / theory.kramers_underdamped_asymptotic(1, 2.8, 1, 1 / 25)
    assert abs(under - 1) < 0.03


def test_equipartition_and_ou() -> None:
    assert theory.equipartition(4, 0.5, 2.0) == 0.75
    assert theory.ou_autocorrelation(0.5, 4.0, 2.0) == pytest.approx(math.exp(-1))
