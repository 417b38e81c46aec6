"""`simulate`: integrate many particles of the spec 000 §4.1 equation, with guards, and say what happened.

The loop around the integrators (`semphys.langevin.sde.integrators`):

- checks the input (dt > 0, start vectors on the sphere: non-unit rows are normalised with a
  `NonUnitStartWarning`, zero or non-finite rows rejected; dimension against the potential);
- measures the stiffness at the start and every `stability_every` steps and refuses an unstable
  step size (`UnstableStepError`, see `semphys.langevin.sde.stability`);
- stops at the first step that produces a non-finite state or force, naming the step, the
  particle and what went wrong (`NonFiniteError`);
- records positions (and velocities, and the FEP) every `record_every` steps, logs the mean
  constraint multiplier lambda(t) per step, calls an observer, shows progress on stderr;
- returns a `Trajectory`: final state, records and `RunStats`.

`IntegrationConfig` holds every setting of a run and is validated before the first step.

Both errors are `UserError`s: the CLI prints them on one line and exits with code 2.
"""

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.core.threads import torch_threads
from semphys.core.validate import (
    require_at_least,
    require_choice,
    require_finite,
    require_non_negative,
    require_positive,
)
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.fep import FloatingEquilibriumPoint
from semphys.langevin.sde.integrators import RETRACTIONS, SCHEMES, StepInfo, overdamped_step, underdamped_step
from semphys.langevin.sde.sphere import NOISES, as_unit_start, project_tangent
from semphys.langevin.sde.stability import StepCheck, check_step, require_stable

Observer = Callable[[int, float, Tensor, "Tensor | None"], None]
"""observe(step, t, x, v): called after every `observe_every`-th step with the current state
(x, v: [n, d]; v is None when overdamped). It must not modify them."""


DEFAULT_THREADS = 1
"""Threads for the integration loop. Its operations are small and memory-bound; on our shared
2-core machines torch's default of 2 threads made them up to 50x slower under load (an MKL
matrix-vector product of [4000, 3] took 7 ms instead of 10 us), and never much faster when idle."""


class NonFiniteError(UserError):
    """A step produced a non-finite state or force; carries the step and particle."""

    def __init__(self, message: str, step: int, particle: int) -> None:
        super().__init__(message)
        self.step, self.particle = step, particle


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


def simulate(
    system: LangevinSystem,
    x0: Tensor,
    config: IntegrationConfig | None = None,
    *,
    v0: Tensor | None = None,
    generator: torch.Generator | None = None,
    observe: Observer | None = None,
    **fields: object,
) -> Trajectory:
    """Integrate `config.n_steps` steps of size `config.dt` from x0 [n, d] (and v0, underdamped; default v = 0).

    config: an `IntegrationConfig`; keyword `fields` override it (or build it: `simulate(system, x0,
        dt=0.01, n_steps=100)`).
    generator: the noise; a given generator wins over `config.seed`.
    observe: called as observe(step, t, x, v) every `config.observe_every` steps.
    The state's dtype is x0's (float64 for validation, float32 for speed).
    """
    config = dataclasses.replace(config, **fields) if config is not None else IntegrationConfig(**fields)
    config.validate()
    with torch_threads(config.threads):
        state = _State.start(system, x0, v0, config, generator)
        return _integrate(system, state, config, observe)


@dataclass
class _State:
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
    ) -> "_State":
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
        _check_finite_force(force, 0, system)
        _check_friction(x, 0, system)
        return cls(x=x, v=v, force=force, t=config.t0, generator=generator)

    def advance(self, system: LangevinSystem, config: IntegrationConfig, step: int) -> StepInfo:
        """One step to t0 + step dt; afterwards `force` is the force at the new state (both schemes)."""
        if config.scheme == "underdamped":
            self.x, self.v, self.force, info = underdamped_step(
                system, self.x, self.v, self.force, self.t, config.dt, self.generator, want_lambda=config.log_lambda
            )
            self.t = config.t0 + step * config.dt
            _check_finite_force(self.force, step, system)
            _check_step(info, step, self.x, system, self.t)
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
        _check_step(info, step, self.x, system, self.t)
        self.force = system.force(self.x, self.t)  # the overdamped step does not compute it at the new state
        _check_finite_force(self.force, step, system)
        return info


class _Records:
    """Positions, velocities and the FEP of the first `keep` particles every `every` steps; lambda(t)."""

    def __init__(self, state: _State, config: IntegrationConfig) -> None:
        n = state.x.shape[0]
        self.every = config.record_every
        self.keep = n if config.record_particles is None else min(config.record_particles, n)
        self.rows: list[tuple[float, Tensor, Tensor | None, Tensor | None]] = []
        self.fep = FloatingEquilibriumPoint(config.dt, config.fep_tau) if config.fep_tau is not None else None
        self.lambdas: list[Tensor] = []
        if self.fep is not None:
            self.fep.update(state.x)
        if self.every:
            self.record(state)

    def record(self, state: _State) -> None:
        k = self.keep
        self.rows.append(
            (
                state.t,
                state.x[:k].clone(),
                None if state.v is None else state.v[:k].clone(),
                None if self.fep is None else self.fep.value[:k].clone(),
            )
        )

    def after_step(self, state: _State, info: StepInfo, step: int) -> None:
        if info.lambda_ is not None:
            self.lambdas.append(info.lambda_.mean())
        if self.fep is not None:
            self.fep.update(state.x)
        if self.every and step % self.every == 0:
            self.record(state)

    def stacked(self, index: int) -> Tensor | None:
        values = [row[index] for row in self.rows]
        return torch.stack(values) if values and values[0] is not None else None


def _integrate(
    system: LangevinSystem, state: _State, config: IntegrationConfig, observe: Observer | None
) -> Trajectory:
    n, d = state.x.shape
    stats = RunStats(scheme=config.scheme, dt=float(config.dt), n_steps=config.n_steps, n_particles=n, dim=d)
    records = _Records(state, config)
    temperatures = torch.empty(config.n_steps, dtype=torch.float64)
    if config.check_stability:
        _stability(system, state.x, config.dt, config.scheme, config.t0, 0, stats)
    bar = _progress(config.n_steps, config.progress)
    start = time.perf_counter()
    try:
        for step in range(1, config.n_steps + 1):
            temperatures[step - 1] = system.temperature_at(state.t)
            info = state.advance(system, config, step)
            if info.constraint_drift is not None:
                stats.max_constraint_drift = max(stats.max_constraint_drift, float(info.constraint_drift.max()))
            if info.tangent_error is not None:
                stats.max_tangent_error = max(stats.max_tangent_error, float(info.tangent_error.max()))
            records.after_step(state, info, step)
            if observe is not None and step % config.observe_every == 0:
                observe(step, state.t, state.x, state.v)
            if (
                config.check_stability
                and config.stability_every
                and step % config.stability_every == 0
                and step < config.n_steps
            ):
                _stability(system, state.x, config.dt, config.scheme, state.t, step, stats)
            if bar is not None:
                bar.update(1)
    finally:  # the bar's line is cleared also when a step fails, so an error starts its own line
        if bar is not None:
            bar.close()
    stats.seconds = time.perf_counter() - start
    stats.particle_steps_per_second = n * config.n_steps / stats.seconds if stats.seconds > 0 else float("inf")
    return Trajectory(
        x=state.x,
        v=state.v,
        t=state.t,
        times=torch.tensor([row[0] for row in records.rows], dtype=torch.float64),
        positions=records.stacked(1),
        velocities=records.stacked(2),
        fep=records.stacked(3),
        fep_final=None if records.fep is None else records.fep.value,
        lambda_mean=torch.stack(records.lambdas).to(torch.float64) if records.lambdas else None,
        temperature=temperatures,
        stats=stats,
    )


def _stability(system: LangevinSystem, x: Tensor, dt: float, scheme: str, t: float, step: int, stats: RunStats) -> None:
    check = check_step(system, x, dt, scheme, t)
    stats.step_checks.append(check)
    require_stable(check, step)


def _first_bad(rows: Tensor) -> int:
    return int((~rows).nonzero()[0])


def _check_finite_force(force: Tensor, step: int, system: LangevinSystem) -> None:
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


def _check_friction(x: Tensor, step: int, system: LangevinSystem) -> None:
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


def _check_step(info: StepInfo, step: int, x: Tensor, system: LangevinSystem, t: float) -> None:
    if bool(info.finite.all()):
        _check_friction(x, step, system)
        return
    particle = _first_bad(info.finite)
    raise NonFiniteError(
        f"non-finite state at step {step}, particle {particle} ({int((~info.finite).sum())} particle(s) affected): "
        f"the force, friction or temperature (T={system.temperature_at(t):g}) produced NaN or inf; "
        "check the potential, the friction and the step size",
        step,
        particle,
    )


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="langevin", unit="step", leave=False, mininterval=1.0)
