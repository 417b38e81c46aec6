"""One layer-to-layer step of a fitted model on the sphere: its mean tangent increment and its noise.

Every model of the layer clock (`kramers_moyal.SphereDrift`, `transport.LayerTransport`, and the nulls
below) is, at each layer, an Euler-Maruyama step of unit length (dt = 1 layer) on S^(d-1) with the
exponential retraction:

    x_{l+1} = exp_x(m_l(x) + sqrt(v_l) P_x xi),   xi ~ N(0, I_d),

so the increment log_x(x_{l+1}) is Gaussian in the (d-1)-dimensional tangent space with mean m_l(x)
and variance v_l per dimension. That shared form is what makes their held-out likelihoods comparable
(`score`, below) and lets `ensembles` simulate all of them with `semphys.langevin.sde.engine`.

Nulls:
    RandomWalk          m = 0, v = the mean squared step of the training increments / (d - 1): a walk
                        with the same step sizes and no drift;
    ConstantDrift       m = P_x c_l, one drift vector per layer whatever the state, v = its residual
                        variance: the simplest drift there is, with the isotropic noise it leaves;
    deterministic(...)  the fitted model with v = 0 (mean transport without noise).
The null of "the landscape depends on its layer" is a fit, not a step: the time-homogeneous sphere
Langevin (`layerfit`, kind `homogeneous`).

Held-out scores (`score`): increment log-likelihood and one-step prediction error. `states` are
line-of-thought ensembles [n, L + 1, d] of unit vectors (layer 0 the embedding); a model is a list of
L `Step`s, step l carrying layer l to l + 1. Both scores are averaged over windows and layers, and also
returned per layer and per window (averaged over layers): the per-window values are what the paired
comparisons of `verdict` resample, since windows are the independent units.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from semphys.langevin.measure.geometry import angle, exp_map, log_map


class Step(Protocol):
    """A fitted layer step: `tangent_mean(x [n, d]) -> [n, d]` and `variance` per tangent dimension."""

    variance: float

    def tangent_mean(self, x: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class RandomWalk:
    """No drift; isotropic tangent noise with the training increments' mean squared step."""

    variance: float

    def tangent_mean(self, x: np.ndarray) -> np.ndarray:
        return np.zeros_like(x)


def random_walk(x: np.ndarray, x_next: np.ndarray) -> RandomWalk:
    """The random walk whose steps have the mean squared length of log_x(x_next): x, x_next [n, d] unit."""
    steps = log_map(x, x_next)
    return RandomWalk(variance=float(np.mean(np.sum(steps**2, axis=1)) / (x.shape[1] - 1)))


@dataclass(frozen=True)
class ConstantDrift:
    """One drift vector c per layer, projected on the tangent space: m(x) = P_x c."""

    drift: np.ndarray
    """c [d]."""
    variance: float

    def tangent_mean(self, x: np.ndarray) -> np.ndarray:
        return self.drift[None, :] - (x @ self.drift)[:, None] * x


def constant_drift(x: np.ndarray, x_next: np.ndarray) -> ConstantDrift:
    """Least-squares c of log_x(x_next) ~ P_x c over rows of x, x_next [n, d] unit.

    Since P_x is a projector and the increments are tangent, the normal equations are
    (n I - X^T X) c = sum_i log_x_i(x_next_i) (solved in least squares: with n < d they are singular).
    """
    increments = log_map(x, x_next)
    normal = len(x) * np.eye(x.shape[1]) - x.T @ x
    drift = np.linalg.lstsq(normal, increments.sum(axis=0), rcond=None)[0]
    step = ConstantDrift(drift=drift, variance=0.0)
    return ConstantDrift(drift=drift, variance=residual_variance(step, x, x_next))


def residual_variance(step: Step, x: np.ndarray, x_next: np.ndarray) -> float:
    """Mean squared tangent residual per dimension of `step` on (x, x_next) [n, d]."""
    residual = log_map(x, x_next) - step.tangent_mean(x)
    return float(np.mean(np.sum(residual**2, axis=1)) / (x.shape[1] - 1))


def deterministic(steps: Sequence[Step]) -> list[Step]:
    """The same steps without noise (variance 0): mean transport."""
    return [dataclasses.replace(step, variance=0.0) for step in steps]


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
    return Scores(
        None if window_ll is None else float(np.mean(window_ll)),
        float(np.mean(window_angle)),
        [None if v is None else float(np.mean(v)) for v in lls],
        [float(np.mean(a)) for a in angles],
        None if window_ll is None else window_ll.tolist(),
        window_angle.tolist(),
    )
