"""Friction (spec 000 §4.1's information viscosity) eta(x) > 0, and its gradient.

In the overdamped limit (spec 000 §4.2) a position-dependent friction needs its gradient: the diffusion
coefficient D(x) = T / eta(x) varies in space, and the Ito equation that keeps exp(-U / T) as its
stationary density carries the extra ("spurious") drift + P grad D (Lau & Lubensky 2007). Without
it the stationary density becomes eta(x) exp(-U / T) (see `semphys.langevin.sde.integrators`).

    ConstantFriction     eta = eta0.
    ExponentialFriction  eta = eta0 exp(strength * c . x): more viscous towards c. With c the
                         previous step's state this is the spec's "rut" (4.1.2): moving along the
                         old direction is slow, leaving it is fast.
    FrictionFunction     a user callable fn(x [n, d]) -> [n] > 0; gradient by autograd.

`value(x)` is `[n, 1]`; `grad(x)` is the ambient gradient `[n, d]`.
"""

import math
from collections.abc import Callable

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.langevin.sde.sphere import dot


class Friction:
    constant: bool = False
    """True when eta does not depend on x (no spurious drift, no gradient needed)."""
    name: str = "friction"

    def value(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def grad(self, x: Tensor) -> Tensor:
        with torch.enable_grad():
            leaf = x.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.value(leaf).sum(), leaf, allow_unused=True)
        return torch.zeros_like(x) if grad is None else grad

    def minimum(self, x: Tensor) -> float:
        """The smallest friction over the particles `x` (for the step-size check)."""
        return float(self.value(x).min())

    def subset(self, rows: Tensor) -> "Friction | None":
        """The friction of particles `rows` alone; None when unknown (a user function)."""
        return None


class ConstantFriction(Friction):
    """eta(x) = eta everywhere: the uniform viscosity of spec 000 §4.1.1 item 2 (no spurious drift)."""

    constant = True
    name = "constant"

    def __init__(self, eta: float) -> None:
        self.eta = float(eta)
        if not (math.isfinite(self.eta) and self.eta > 0):
            raise UserError(f"viscosity eta = {eta} is not allowed: the friction must be finite and > 0")

    def subset(self, rows: Tensor) -> Friction:
        return self

    def value(self, x: Tensor) -> Tensor:
        return torch.full((x.shape[0], 1), self.eta, dtype=x.dtype, device=x.device)

    def grad(self, x: Tensor) -> Tensor:
        return torch.zeros_like(x)

    def minimum(self, x: Tensor) -> float:
        return self.eta


class ExponentialFriction(Friction):
    """eta(x) = eta0 exp(strength c . x); c: [d] or [n, d] (per-particle ruts), any length."""

    name = "exponential"

    def __init__(self, eta0: float, direction: "Tensor | list", strength: float) -> None:
        self.eta0, self.strength = float(eta0), float(strength)
        if not (math.isfinite(self.eta0) and self.eta0 > 0):
            raise UserError(f"viscosity eta0 = {eta0} is not allowed: the friction must be finite and > 0")
        if not math.isfinite(self.strength):
            raise UserError(f"friction strength {strength} must be finite")
        self.direction = torch.as_tensor(direction, dtype=torch.float64)
        if self.direction.ndim not in (1, 2) or not torch.isfinite(self.direction).all():
            raise UserError("the friction direction must be a finite [d] or [n_particles, d] tensor")
        self.dim = self.direction.shape[-1]

    def subset(self, rows: Tensor) -> Friction:
        return ExponentialFriction(
            self.eta0, self.direction[rows] if self.direction.ndim == 2 else self.direction, self.strength
        )

    def _c(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.dim:
            raise UserError(f"dimension mismatch: the friction direction has d={self.dim}, the state d={x.shape[-1]}")
        if self.direction.ndim == 2 and self.direction.shape[0] != x.shape[0]:
            raise UserError(
                f"the friction has per-particle directions for {self.direction.shape[0]} particles "
                f"but the state has {x.shape[0]}"
            )
        return self.direction.to(dtype=x.dtype, device=x.device)

    def value(self, x: Tensor) -> Tensor:
        return self.eta0 * torch.exp(self.strength * dot(x, self._c(x)))

    def grad(self, x: Tensor) -> Tensor:
        return self.strength * self.value(x) * self._c(x)


class FrictionFunction(Friction):
    """A user callable `fn(x [n, d]) -> [n]`, positive; gradient by autograd."""

    def __init__(self, fn: Callable[[Tensor], Tensor], name: str = "user") -> None:
        if not callable(fn):
            raise UserError(f"a user friction must be callable fn(x) -> [n], got {type(fn).__name__}")
        self.fn, self.name = fn, name

    def value(self, x: Tensor) -> Tensor:
        value = self.fn(x)
        if not isinstance(value, Tensor) or value.shape != (x.shape[0],):
            raise UserError(f"the {self.name} friction must return one value per particle, shape [{x.shape[0]}]")
        return value[:, None]


def as_friction(value: "Friction | float") -> Friction:
    """A number becomes `ConstantFriction(value)` (validated)."""
    return value if isinstance(value, Friction) else ConstantFriction(value)
