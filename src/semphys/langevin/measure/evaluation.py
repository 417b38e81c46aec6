"""Held-out scores of a layer model: increment log-likelihood and one-step prediction error.

`states` are line-of-thought ensembles [n, L + 1, d] of unit vectors (layer 0 the embedding); a model
is a list of L `Step`s, step l carrying layer l to l + 1. Both scores are averaged over windows and
layers, and also returned per layer and per window (averaged over layers): the per-window values are
what the paired comparisons of `verdict` resample, since windows are the independent units.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semphys.langevin.measure.geometry import angle, exp_map, log_map
from semphys.langevin.measure.steps import Step


@dataclass(frozen=True)
class Scores:
    """How one model predicts held-out increments."""

    log_likelihood: float | None
    """Mean Gaussian log-density of the tangent increments per tangent dimension (nats); None when the
    model has no noise (variance 0)."""
    one_step_angle: float
    """Mean angle (radians) between exp_x(mean increment) and the real next state."""
    per_layer_log_likelihood: list[float | None]
    per_layer_angle: list[float]
    per_window_log_likelihood: list[float] | None
    """[n] the window's log-likelihood per tangent dimension, averaged over layers; None without noise."""
    per_window_angle: list[float]
    """[n] the window's one-step angle, averaged over layers."""


def increment_log_likelihoods(step: Step, x: np.ndarray, x_next: np.ndarray) -> np.ndarray | None:
    """log N(log_x x_next; m(x), v I) per tangent dimension, [n], for rows of x, x_next [n, d]."""
    if step.variance <= 0:
        return None
    dims = x.shape[1] - 1
    residual = log_map(x, x_next) - step.tangent_mean(x)
    squared = np.sum(residual**2, axis=1) / dims
    return -0.5 * np.log(2 * np.pi * step.variance) - squared / (2 * step.variance)


def increment_log_likelihood(step: Step, x: np.ndarray, x_next: np.ndarray) -> float | None:
    """Mean log N(log_x x_next; m(x), v I) per tangent dimension over rows of x, x_next [n, d]."""
    values = increment_log_likelihoods(step, x, x_next)
    return None if values is None else float(np.mean(values))


def score(steps: Sequence[Step], states: np.ndarray) -> Scores:
    """Scores of `steps` (L of them) on states [n, L + 1, d]."""
    if len(steps) != states.shape[1] - 1:
        raise ValueError(f"{len(steps)} steps for {states.shape[1]} layers")
    lls: list[np.ndarray | None] = []
    angles: list[np.ndarray] = []
    for layer, step in enumerate(steps):
        x, x_next = states[:, layer], states[:, layer + 1]
        lls.append(increment_log_likelihoods(step, x, x_next))
        angles.append(angle(exp_map(x, step.tangent_mean(x)), x_next))
    noisy = all(v is not None for v in lls)
    window_ll = np.mean(lls, axis=0) if noisy else None
    window_angle = np.mean(angles, axis=0)
    return Scores(None if window_ll is None else float(np.mean(window_ll)), float(np.mean(window_angle)),
                  [None if v is None else float(np.mean(v)) for v in lls], [float(np.mean(a)) for a in angles],
                  None if window_ll is None else window_ll.tolist(), window_angle.tolist())
