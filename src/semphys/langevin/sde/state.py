"""The moving state of one `simulate` run (`RunState`: positions, velocities, force, noise), advanced one step
at a time, and the guards every step passes: a non-finite state or force, or a friction that is not finite
and > 0, stops the run with a `NonFiniteError` naming the step and the particle.
"""

from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.integration import IntegrationConfig
from semphys.langevin.sde.integrators import StepInfo, overdamped_step, underdamped_step
from semphys.langevin.sde.sphere import as_unit_start, project_tangent


class NonFiniteError(UserError):
    """A step produced a non-finite state or force; carries the step and particle."""

    def __init__(self, message: str, step: int, particle: int) -> None:
        super().__init__(message)
        self.step, self.particle = step, particle


@dataclass
class RunState:
    """The moving parts of one run: the state, its force, the noise and the extrinsic radius."""

    x: Tensor
    v: Tensor | None
    force: Tensor
    t: float
    generator: torch.Generator
    radius: Tensor | None = None
    """The ambient |y| carried by the `extrinsic` retraction."""

    @classmethod
    def start(
        cls,
        system: LangevinSystem,
        x0: Tensor,
        v0: Tensor | None,
        config: IntegrationConfig,
        generator: torch.Generator | None,
    ) -> "RunState":
        x = as_unit_start(torch.as_tensor(x0))
        system.potential.check_state(x)
        v = None
        if config.scheme == "underdamped":
            v = torch.zeros_like(x) if v0 is None else torch.as_tensor(v0, dtype=x.dtype)
            if v.shape != x.shape:
                raise UserError(f"v0 must have the shape of x0, {list(x.shape)}, got {list(v.shape)}")
            v = project_tangent(x, v)
        if generator is None:
            generator = torch.Generator(device=x.device)
            generator.manual_seed(0 if config.seed is None else config.seed)
        force = system.force(x, config.t0)
        check_finite_force(force, 0, system)
        check_friction(x, 0, system)
        return cls(x=x, v=v, force=force, t=config.t0, generator=generator)

    def advance(self, system: LangevinSystem, config: IntegrationConfig, step: int) -> StepInfo:
        """One step to t0 + step dt; afterwards `force` is the force at the new state (both schemes)."""
        if config.scheme == "underdamped":
            self.x, self.v, self.force, info = underdamped_step(
                system, self.x, self.v, self.force, self.t, config.dt, self.generator, want_lambda=config.log_lambda
            )
            self.t = config.t0 + step * config.dt
            check_finite_force(self.force, step, system)
            check_step_finite(info, step, self.x, system, self.t)
            return info
        self.x, _, info = overdamped_step(
            system,
            self.x,
            self.t,
            config.dt,
            self.generator,
            config.ito_correction,
            force=self.force,
            want_lambda=config.log_lambda,
            retraction=config.retraction,
            noise=config.noise,
            radius=self.radius,
        )
        self.radius = info.radius
        self.t = config.t0 + step * config.dt
        check_step_finite(info, step, self.x, system, self.t)
        self.force = system.force(self.x, self.t)  # the overdamped step does not compute it at the new state
        check_finite_force(self.force, step, system)
        return info


def _first_bad(rows: Tensor) -> int:
    return int((~rows).nonzero()[0])


def check_finite_force(force: Tensor, step: int, system: LangevinSystem) -> None:
    if force.ndim == 2:
        # a cheap reduction first (one row for a broadcast force); the per-particle search only on failure
        if bool(torch.isfinite((force[:1] if force.stride(0) == 0 else force).sum())):
            return
        ok = torch.isfinite(force).all(dim=-1)
        if bool(ok.all()):
            return
        particle = _first_bad(ok)
        raise NonFiniteError(
            f"non-finite force at step {step}, particle {particle} ({int((~ok).sum())} particle(s) affected): "
            f"the {system.potential.name} potential or the external force returned NaN or inf there; "
            "check the potential's parameters and its formula",
            step,
            particle,
        )


def check_friction(x: Tensor, step: int, system: LangevinSystem) -> None:
    if system.friction_model.constant:
        return
    eta = system.friction_model.value(x)[:, 0]
    bad = ~(torch.isfinite(eta) & (eta > 0))
    if bool(bad.any()):
        particle = int(bad.nonzero()[0])
        raise NonFiniteError(
            f"friction eta(x) = {float(eta[particle])} at step {step}, particle {particle}: "
            "the friction (viscosity) must be finite and > 0 everywhere",
            step,
            particle,
        )


def check_step_finite(info: StepInfo, step: int, x: Tensor, system: LangevinSystem, t: float) -> None:
    if bool(info.finite.all()):
        check_friction(x, step, system)
        return
    particle = _first_bad(info.finite)
    raise NonFiniteError(
        f"non-finite state at step {step}, particle {particle} ({int((~info.finite).sum())} particle(s) affected): "
        f"the force, friction or temperature (T={system.temperature_at(t):g}) produced NaN or inf; "
        "check the potential, the friction and the step size",
        step,
        particle,
    )
