"""The equation of motion of spec 000 §4.1, as data: which terms it has and their values.

    m x'' + eta(x) x' = -grad U_eff(x, t) + F_ext(x, t) + lambda x + sqrt(2 eta(x) T(t)) xi(t),  |x| = 1

with T = 1 / beta. `LangevinSystem` holds the terms; the integrators (`semphys.langevin.sde.integrators`)
decide how to step it, underdamped (g-BAOAB) or overdamped (spec 000 §4.2: m -> 0).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import Tensor

from semphys.core.errors import UserError
from semphys.langevin.sde.friction import Friction, as_friction
from semphys.langevin.sde.potentials import Potential
from semphys.langevin.sde.schedules import Schedule, as_schedule

ExternalForce = Callable[[Tensor, float], Tensor]
"""F_ext(x [n, d], t) -> [n, d] or [d]: a force, not a potential (it may be non-conservative)."""


@dataclass
class LangevinSystem:
    """The terms of the spec 000 §4.1 equation. Numbers are validated and wrapped on construction."""

    potential: Potential
    """U_eff(x, t) = U_base + U_perturb(t) (spec 000 §4.1.1, item 3)."""
    friction: "Friction | float" = 1.0
    """eta(x) > 0, the information viscosity (4.1.1, item 2); a number means constant friction."""
    mass: "float | Callable[[float], float]" = 1.0
    """m > 0, the context mass (4.1.1, item 1); a number or a callable of time. Unused when overdamped."""
    temperature: "Schedule | float" = 1.0
    """T(t) = 1/beta >= 0 (4.1.1, item 5; schedules for annealing, 4.3)."""
    external_force: ExternalForce | None = None
    """F_ext(x, t), e.g. a prompt pushing the particle (4.1.1, item 1); None for none."""
    friction_model: Friction = field(init=False, repr=False)
    schedule: Schedule = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.potential, Potential):
            raise UserError(f"potential must be a semphys.langevin Potential, got {type(self.potential).__name__}")
        self.friction_model = as_friction(self.friction)
        self.schedule = as_schedule(self.temperature)
        if not callable(self.mass):
            mass = float(self.mass)
            if not (math.isfinite(mass) and mass > 0):
                raise UserError(f"mass m = {self.mass} is not allowed: the mass must be finite and > 0")

    def mass_at(self, t: float) -> float:
        mass = float(self.mass(t)) if callable(self.mass) else float(self.mass)
        if not (math.isfinite(mass) and mass > 0):
            raise UserError(f"mass m({t:g}) = {mass} is not allowed: the mass must be finite and > 0")
        return mass

    def temperature_at(self, t: float) -> float:
        value = float(self.schedule(t))
        if not (math.isfinite(value) and value >= 0):
            raise UserError(f"temperature T({t:g}) = {value} is not allowed: it must be finite and >= 0")
        return value

    def subset(self, rows: Tensor) -> "LangevinSystem | None":
        """The same equation for particles `rows` alone, or None when a term cannot be sliced (a user
        potential, friction or external force, which may hold per-particle values)."""
        potential, friction = self.potential.subset(rows), self.friction_model.subset(rows)
        if potential is None or friction is None or self.external_force is not None:
            return None
        return LangevinSystem(potential, friction=friction, mass=self.mass, temperature=self.schedule)

    def force(self, x: Tensor, t: float) -> Tensor:
        """-grad U_eff(x, t) + F_ext(x, t), ambient, [n, d] (the integrators project it).

        May be a broadcast view (a constant force): never modify it in place."""
        force = self.potential.force(x, t)
        if self.external_force is not None:
            extra = self.external_force(x, t)
            if extra.shape not in (x.shape, x.shape[1:]):
                raise UserError(
                    f"the external force must have shape {list(x.shape)} or [{x.shape[1]}], got {list(extra.shape)}"
                )
            force = force + extra.to(x.dtype)
        return force
