"""What `simulate` is told and what it returns: `IntegrationConfig` (every setting of a run, validated
before the first step), `Trajectory` (final state, records, lambda(t)) and `RunStats` (how the integration went).
"""

import math
from dataclasses import dataclass, field

from torch import Tensor

from semphys.core.errors import UserError
from semphys.core.validate import (
    require_at_least,
    require_choice,
    require_finite,
    require_non_negative,
    require_positive,
)
from semphys.langevin.sde.integrators import RETRACTIONS, SCHEMES
from semphys.langevin.sde.sphere import NOISES
from semphys.langevin.sde.stability import StepCheck

DEFAULT_THREADS = 1
"""Threads for the integration loop. Its operations are small and memory-bound; on our shared
2-core machines torch's default of 2 threads made them up to 50x slower under load (an MKL
matrix-vector product of [4000, 3] took 7 ms instead of 10 us), and never much faster when idle."""


@dataclass
class RunStats:
    """How the integration went."""

    scheme: str
    dt: float
    n_steps: int
    n_particles: int
    dim: int
    seconds: float = 0.0
    particle_steps_per_second: float = 0.0
    max_constraint_drift: float = 0.0
    """Largest | |x|^2 - 1 | that a step produced before re-normalisation (underdamped: the geodesic step)."""
    max_tangent_error: float = 0.0
    """Largest | x . v | after a step before re-projection (underdamped)."""
    step_checks: list[StepCheck] = field(default_factory=list)
    """Stiffness measurements and step limits, in order."""

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "step_checks"}
        out["step_checks"] = [
            {"stiffness": c.stiffness, "limit": c.limit if math.isfinite(c.limit) else None, "stable": c.stable}
            for c in self.step_checks
        ]
        return out


@dataclass
class Trajectory:
    """Final state, what was recorded, and statistics of one `simulate` run."""

    x: Tensor
    """Final positions [n, d]."""
    v: Tensor | None
    """Final velocities [n, d] (underdamped), else None."""
    t: float
    """Final time."""
    times: Tensor
    """[R] times of the records (the start included when recording)."""
    positions: Tensor | None
    """[R, p, d] recorded positions of the recorded particles, or None."""
    velocities: Tensor | None
    """[R, p, d] (underdamped, when recording), or None."""
    fep: Tensor | None
    """[R, p, d] the floating equilibrium point (EMA, not normalised) at the records, when `fep_tau` was given."""
    fep_final: Tensor | None
    """[n, d] the EMA of every particle at the end, when `fep_tau` was given."""
    lambda_mean: Tensor | None
    """[n_steps] mean over particles of the constraint multiplier lambda after each step."""
    temperature: Tensor
    """[n_steps] T at the start of each step."""
    stats: RunStats


@dataclass(frozen=True)
class IntegrationConfig:
    """How `simulate` integrates: step, length, scheme and what it records (spec 000 §4.1-4.2)."""

    dt: float
    """Time step (finite, > 0)."""
    n_steps: int
    """Number of steps (>= 0)."""
    scheme: str = "overdamped"
    """`overdamped` (projected Euler-Maruyama with the spurious drift, spec 000 §4.2) or `underdamped` (g-BAOAB)."""
    t0: float = 0.0
    """Start time (schedules and time-dependent potentials read it)."""
    seed: int | None = 0
    """Seed of the noise (a generator passed to `simulate` wins)."""
    record_every: int = 0
    """Keep positions every this many steps (0: none)."""
    record_particles: int | None = None
    """Record only the first this many particles (None: all)."""
    fep_tau: float | None = None
    """Also track the EMA of every particle with this time constant (spec 000 §4.2's FEP)."""
    observe_every: int = 1
    """Call the observer after every this many steps."""
    ito_correction: bool = True
    """Overdamped only; False drops the spurious drift (wrong for position-dependent friction; there to show it)."""
    check_stability: bool = True
    """Measure the stiffness and refuse an unstable step size (`semphys.langevin.sde.stability`)."""
    stability_every: int = 1000
    """Re-measure the stiffness every this many steps (0: only at the start)."""
    log_lambda: bool = True
    """Log the mean constraint multiplier lambda(t) per step."""
    progress: bool = False
    """A progress bar on stderr."""
    threads: int | None = DEFAULT_THREADS
    """torch threads for the loop (see `DEFAULT_THREADS`; None: torch's setting)."""
    retraction: str = "normalize"
    """Overdamped only: how the tangent step returns to the sphere (`normalize`, `exponential`, `extrinsic`;
    see `semphys.langevin.sde.integrators.overdamped_step`)."""
    noise: str = "gaussian"
    """Overdamped only: `gaussian` or `rademacher` (two-point weak increments, cheaper to draw)."""

    def validate(self) -> None:
        """`UserError` for the first field out of its range (before any step runs)."""
        require_choice("scheme", self.scheme, SCHEMES)
        require_choice("retraction", self.retraction, RETRACTIONS)
        require_choice("noise", self.noise, NOISES)
        if self.noise != "gaussian" and self.scheme != "overdamped":
            raise UserError(
                f"{self.noise} noise is only for the overdamped scheme (the O-step needs Gaussian velocities)"
            )
        if (
            isinstance(self.dt, bool)
            or not isinstance(self.dt, (int, float))
            or not math.isfinite(self.dt)
            or self.dt <= 0
        ):
            raise UserError(f"dt = {self.dt} is not allowed: the time step must be finite and > 0")
        if self.n_steps < 0:
            raise UserError(f"n_steps = {self.n_steps} is not allowed: give a number of steps >= 0")
        require_finite("t0", self.t0)
        require_non_negative("record_every", self.record_every)
        require_at_least("observe_every", self.observe_every, 1)
        require_non_negative("stability_every", self.stability_every)
        if self.record_particles is not None:
            require_at_least("record_particles", self.record_particles, 1)
        if self.fep_tau is not None:
            require_positive("fep_tau", self.fep_tau)
