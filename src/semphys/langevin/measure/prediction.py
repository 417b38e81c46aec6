"""Spec 000 §4.2's floating equilibrium point (FEP) as a predictor of the next state, from a Gram matrix.

The FEP is the EMA y_t = y_{t-1} + alpha (x_t - y_{t-1}), alpha = 1 - exp(-1 / tau) (one token per
time unit; `semphys.langevin.sde.fep`). The spec claims it filters the thermal noise out and identifies a
stationary structure; operationally: it predicts x_{t+1} better than

    raw            x_t itself,
    running mean   the causal mean of x_0..x_t (the best predictor of a stationary state with noise),
    shuffled       the same EMA on the states in a random order (what is left without temporal order).

Every predictor is a linear combination sum_s w_ts x_s of the states seen so far, so its cosine with the
next state needs only the Gram matrix G = X X^T: cos_t = (w_t G e_{t+1}) / sqrt(w_t G w_t^T G_{t+1,t+1}).
That is what lets the full-vocabulary states sqrt(p_t) be reduced to G on the fly and never stored.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semphys.langevin.measure.relaxation import combined_null_draws


def ema_weights(n: int, tau: float) -> np.ndarray:
    """W [n, n]: row t holds the EMA's weights on x_0..x_t (y_0 = x_0)."""
    alpha = -np.expm1(-1.0 / tau)
    t = np.arange(n)
    weights = alpha * (1 - alpha) ** (t[:, None] - t[None, :])
    weights[:, 0] = (1 - alpha) ** t
    return np.tril(weights)


def running_mean_weights(n: int) -> np.ndarray:
    return np.tril(np.ones((n, n))) / np.arange(1, n + 1)[:, None]


def prediction_cosines(gram: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """cos(predictor_t, x_{t+1}) for t = 0..T-2, predictor_t = weights[t] @ X; gram [T, T]."""
    w = weights[:-1]
    cross = np.einsum("ts,st->t", w, gram[:, 1:])
    norms = np.sqrt(np.maximum(np.einsum("ts,su,tu->t", w, gram, w), 1e-300) * np.diagonal(gram)[1:])
    return cross / norms


@dataclass(frozen=True)
class PredictorScores:
    """Mean cosine with the next state of each predictor (higher is better), over t >= `start`."""

    taus: list[float]
    ema: list[float]
    raw: float
    running_mean: float
    shuffled: list[float]
    """The EMA at each tau on a shuffled order."""


def score_predictors(gram: np.ndarray, taus: Sequence[float], start: int = 1, seed: int = 0) -> PredictorScores:
    """All predictors on one sequence's gram [T, T] (T > start + 1)."""
    n = gram.shape[0]
    order = np.random.default_rng(seed).permutation(n)
    shuffled_gram = gram[np.ix_(order, order)]

    def mean_cos(g: np.ndarray, weights: np.ndarray) -> float:
        return float(np.mean(prediction_cosines(g, weights)[start:]))

    return PredictorScores(
        taus=list(taus),
        ema=[mean_cos(gram, ema_weights(n, tau)) for tau in taus],
        raw=mean_cos(gram, np.eye(n)),
        running_mean=mean_cos(gram, running_mean_weights(n)),
        shuffled=[mean_cos(shuffled_gram, ema_weights(n, tau)) for tau in taus],
    )


def mean_scores(scores: Sequence[PredictorScores]) -> PredictorScores:
    """The average over sequences."""
    return PredictorScores(
        taus=scores[0].taus,
        ema=np.mean([s.ema for s in scores], axis=0).tolist(),
        raw=float(np.mean([s.raw for s in scores])),
        running_mean=float(np.mean([s.running_mean for s in scores])),
        shuffled=np.mean([s.shuffled for s in scores], axis=0).tolist(),
    )


def ema_cosine(gram: np.ndarray, tau: float, start: int = 1) -> float:
    """The EMA predictor's mean cosine with the next state over t >= start, on gram [T, T]."""
    return float(np.mean(prediction_cosines(gram, ema_weights(len(gram), tau))[start:]))


def order_test(
    grams: Sequence[np.ndarray], taus: Sequence[float], shuffles: int, seed: int = 0, start: int = 1
) -> dict:
    """The EMA at each passage's tau on the real order and on `shuffles` random orders of its tokens.

    Returns `real` [P], `shuffled_mean` [P], `null_draws` (`relaxation.combined_null_draws`) and the
    settings; each passage has its own shuffles.
    """
    rng = np.random.default_rng(seed)
    real, shuffled = [], []
    for gram, tau in zip(grams, taus):
        weights = ema_weights(len(gram), tau)
        real.append(float(np.mean(prediction_cosines(gram, weights)[start:])))
        orders = [rng.permutation(len(gram)) for _ in range(shuffles)]
        shuffled.append([float(np.mean(prediction_cosines(gram[np.ix_(o, o)], weights)[start:])) for o in orders])
    shuffled = np.array(shuffled)
    means = shuffled.mean(axis=1)
    return {
        "real": real,
        "shuffled_mean": means.tolist(),
        "null_draws": combined_null_draws(shuffled, rng).tolist(),
        "shuffles": shuffles,
        "block": 1,
    }
