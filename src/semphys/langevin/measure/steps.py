"""One layer-to-layer step of a fitted model on the sphere: its mean tangent increment and its noise.

Every model of the layer clock (`kramers_moyal.SphereDrift`, `transport.LayerTransport`, and the nulls
below) is, at each layer, an Euler-Maruyama step of unit length (dt = 1 layer) on S^(d-1) with the
exponential retraction:

    x_{l+1} = exp_x(m_l(x) + sqrt(v_l) P_x xi),   xi ~ N(0, I_d),

so the increment log_x(x_{l+1}) is Gaussian in the (d-1)-dimensional tangent space with mean m_l(x)
and variance v_l per dimension. That shared form is what makes their held-out likelihoods comparable
(`evaluation`) and lets `ensembles` simulate all of them with `semphys.langevin.sde.engine`.

Nulls:
    RandomWalk          m = 0, v = the mean squared step of the training increments / (d - 1): a walk
                        with the same step sizes and no drift;
    ConstantDrift       m = P_x c_l, one drift vector per layer whatever the state, v = its residual
                        variance: the simplest drift there is, with the isotropic noise it leaves;
    deterministic(...)  the fitted model with v = 0 (mean transport without noise).
The null of "the landscape depends on its layer" is a fit, not a step: the time-homogeneous sphere
Langevin (`layerfit`, kind `homogeneous`).
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from semphys.langevin.measure.geometry import log_map


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
