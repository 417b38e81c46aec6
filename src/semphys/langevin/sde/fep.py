"""The floating equilibrium point (FEP, spec 000 §4.2): an exponential moving average of the trajectory.

Spec 000 §4.2 identifies the overdamped equation with an RC low-pass filter (viscosity <-> resistance,
curvature <-> inverse capacitance, tau = eta / k) and justifies reading the FEP as the EMA of the
trajectory. The EMA used here,

    y_{n+1} = y_n + alpha (x_{n+1} - y_n),   alpha = 1 - exp(-dt / tau),

is exactly the RC filter tau y' = x - y integrated over a step during which the input is held at
x_{n+1} (zero-order hold): y(t + dt) = x + (y(t) - x) exp(-dt / tau). Its step response is
1 - exp(-t / tau) at every grid point, whatever dt; `rc_step_response` is the closed form the tests
compare with. The EMA of points on the sphere lies inside the ball: its direction is the FEP, its
length says how concentrated the recent trajectory was (1 = frozen, 0 = spread evenly).
"""

import math

import torch
from torch import Tensor

from semphys.core.errors import UserError


def ema_alpha(dt: float, tau: float) -> float:
    """alpha = 1 - exp(-dt / tau): the exact RC (zero-order-hold) discretisation of time constant tau."""
    if not dt > 0:
        raise UserError(f"dt = {dt} is not allowed: the time step must be > 0")
    if not tau > 0:
        raise UserError(f"tau = {tau} is not allowed: the FEP time constant must be > 0")
    return -math.expm1(-dt / tau)


class FloatingEquilibriumPoint:
    """Online EMA of a particle cloud: `update(x)` once per step of length dt."""

    def __init__(self, dt: float, tau: float) -> None:
        self.alpha = ema_alpha(dt, tau)
        self.dt, self.tau = dt, tau
        self.value: Tensor | None = None

    def update(self, x: Tensor) -> Tensor:
        """Fold in the new positions x [n, d]; the first call initialises the EMA at x."""
        if self.value is None:
            self.value = x.clone()
        else:
            self.value.lerp_(x, self.alpha)
        return self.value

    def direction(self) -> Tensor:
        """The FEP on the sphere: the EMA normalised. [n, d]."""
        if self.value is None:
            raise RuntimeError("the FEP has seen no state yet")
        return torch.nn.functional.normalize(self.value, dim=-1)


def floating_equilibrium_point(trajectory: Tensor, dt: float, tau: float) -> Tensor:
    """EMA along the first axis of `trajectory` [T, ...] with alpha = 1 - exp(-dt / tau); same shape.

    The first point initialises the average (y_0 = x_0).
    """
    alpha = ema_alpha(dt, tau)
    out = torch.empty_like(trajectory)
    out[0] = trajectory[0]
    for i in range(1, trajectory.shape[0]):
        out[i] = out[i - 1] + alpha * (trajectory[i] - out[i - 1])
    return out


def rc_step_response(t: Tensor, tau: float) -> Tensor:
    """Output of an RC low-pass, initially at 0, to a unit step at t = 0: 1 - exp(-t / tau)."""
    return -torch.expm1(-t / tau)


def rc_gain(omega: float, tau: float) -> float:
    """Amplitude response |H(i omega)| = 1 / sqrt(1 + (omega tau)^2) of the RC low-pass."""
    return 1 / math.sqrt(1 + (omega * tau) ** 2)
