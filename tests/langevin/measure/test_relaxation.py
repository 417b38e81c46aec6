"""The relaxation fit recovers a known tau from an OU process and reports none for white noise."""

import numpy as np
import pytest

from semphys.langevin.measure.relaxation import fit_relaxation, lag_overlaps

D, T = 32, 4000


def _gram(x: np.ndarray) -> np.ndarray:
    return x @ x.T


def _ou(tau: float, seed: int = 0) -> np.ndarray:
    """Stationary d-dimensional OU sampled once per token: E[x_t . x_{t+k}] = exp(-k / tau)."""
    rng = np.random.default_rng(seed)
    a = np.exp(-1.0 / tau)
    x = np.empty((T, D))
    x[0] = rng.normal(size=D) / np.sqrt(D)
    for t in range(1, T):
        x[t] = a * x[t - 1] + np.sqrt(1 - a * a) * rng.normal(size=D) / np.sqrt(D)
    return x


def test_lag_overlaps_by_hand():
    gram = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.4], [0.2, 0.4, 1.0]])
    assert lag_overlaps(gram, 2) == pytest.approx([1.0, 0.45, 0.2])


@pytest.mark.parametrize("tau", [2.0, 5.0])
def test_recovers_the_time_constant_of_an_ou_process(tau):
    fit = fit_relaxation(lag_overlaps(_gram(_ou(tau)), 16)[1:])
    assert fit.tau == pytest.approx(tau, rel=0.2)
    assert fit.aic_relaxation < fit.aic_flat


def test_white_noise_around_a_fixed_state_has_no_finite_tau():
    rng = np.random.default_rng(1)
    x = np.eye(D)[0] * 0.6 + rng.normal(size=(T, D)) / np.sqrt(D)
    fit = fit_relaxation(lag_overlaps(_gram(x), 16)[1:])
    assert fit.tau is None
    assert fit.flat == pytest.approx(0.36, abs=0.02)
