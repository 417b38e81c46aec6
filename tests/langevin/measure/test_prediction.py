"""The FEP comparison prefers the EMA on a slow OU signal plus noise, the running mean on a constant plus noise."""

import numpy as np
import pytest

from semphys.langevin.measure.prediction import ema_weights, prediction_cosines, running_mean_weights, score_predictors

D, T, TAUS = 16, 400, (1.0, 4.0, 16.0)


def test_ema_weights_by_hand():
    alpha = 1 - np.exp(-1.0)
    weights = ema_weights(3, 1.0)
    assert weights[2] == pytest.approx([(1 - alpha) ** 2, alpha * (1 - alpha), alpha])
    assert weights.sum(axis=1) == pytest.approx(np.ones(3))
    assert running_mean_weights(3)[2] == pytest.approx([1 / 3] * 3)


def test_raw_predictor_cosine_is_the_lag_one_overlap():
    x = np.random.default_rng(0).normal(size=(6, D))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    gram = x @ x.T
    assert prediction_cosines(gram, np.eye(6)) == pytest.approx(np.diagonal(gram, 1))


def _slow_ou_plus_noise(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = np.exp(-1.0 / 30.0)
    signal = np.empty((T, D))
    signal[0] = rng.normal(size=D)
    for t in range(1, T):
        signal[t] = a * signal[t - 1] + np.sqrt(1 - a * a) * rng.normal(size=D)
    return signal + 1.5 * rng.normal(size=(T, D))


def test_ema_beats_running_mean_raw_and_shuffled_on_slow_ou_plus_noise():
    x = _slow_ou_plus_noise(0)
    scores = score_predictors(x @ x.T, TAUS, start=10)
    best = int(np.argmax(scores.ema))
    assert scores.taus[best] > 1.0
    assert scores.ema[best] > scores.running_mean + 0.05
    assert scores.ema[best] > scores.raw + 0.05
    assert scores.ema[best] > scores.shuffled[best] + 0.05


def test_running_mean_beats_every_ema_on_a_constant_plus_noise():
    rng = np.random.default_rng(1)
    x = np.ones(D) + 1.5 * rng.normal(size=(T, D))
    scores = score_predictors(x @ x.T, TAUS, start=10)
    assert scores.running_mean > max(scores.ema) + 0.01
