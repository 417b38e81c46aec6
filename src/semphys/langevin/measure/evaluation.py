"""Held-out scores of a layer model: increment log-likelihood and one-step prediction error (issue 14, 1).

`states` are line-of-thought ensembles [n, L + 1, d] of unit vectors (layer 0 the embedding); a model
is a list of L `Step`s, step l carrying layer l to l + 1. Both scores are averaged over windows and
layers and also returned per layer.
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


def increment_log_likelihood(step: Step, x: np.ndarray, x_next: np.ndarray) -> float | None:
    """Mean log N(log_x x_next; m(x), v I) per tangent dimension over rows of x, x_next [n, d]."""
    if step.variance <= 0:
        return None
    dims = x.shape[1] - 1
    residual = log_map(x, x_next) - step.tangent_mean(x)
    squared = np.sum(residual**2, axis=1) / dims
    return float(np.mean(-0.5 * np.log(2 * np.pi * step.variance) - squared / (2 * step.variance)))


def score(steps: Sequence[Step], states: np.ndarray) -> Scores:
    """Scores of `steps` (L of them) on states [n, L + 1, d]."""
    if len(steps) != states.shape[1] - 1:
        raise ValueError(f"{len(steps)} steps for {states.shape[1]} layers")
    lls: list[float | None] = []
    angles: list[float] = []
    for layer, step in enumerate(steps):
        x, x_next = states[:, layer], states[:, layer + 1]
        lls.append(increment_log_likelihood(step, x, x_next))
        angles.append(float(np.mean(angle(exp_map(x, step.tangent_mean(x)), x_next))))
    mean_ll = None if any(v is None for v in lls) else float(np.mean(lls))
    return Scores(mean_ll, float(np.mean(angles)), lls, angles)
