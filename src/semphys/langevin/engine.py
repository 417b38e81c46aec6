"""`simulate`: integrate many particles of the spec 4.1 equation, with guards, and say what happened.

The loop around the integrators (`semphys.langevin.integrators`):

- checks the input (dt > 0, start vectors on the sphere: non-unit rows are normalised with a
  `NonUnitStartWarning`, zero or non-finite rows rejected; dimension against the potential);
- measures the stiffness at the start and every `stability_every` steps and refuses an unstable
  step size (`UnstableStepError`, see `semphys.langevin.stability`);
- stops at the first step that produces a non-finite state or force, naming the step, the
  particle and what went wrong (`NonFiniteError`);
- records positions (and velocities, and the FEP) every `record_every` steps, logs the mean
  constraint multiplier lambda(t) per step, calls an observer, shows progress on stderr;
- returns a `Trajectory`: final state, records and `RunStats`.

Both errors are `UserError`s: the CLI prints them on one line and exits with code 2.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

from semphys.errors import UserError
from semphys.langevin.equation import LangevinSystem
from semphys.langevin.fep import FloatingEquilibriumPoint
from semphys.langevin.integrators import RETRACTIONS, SCHEMES, StepInfo, overdamped_step, underdamped_step
from semphys.langevin.sphere import NOISES, as_unit_start, project_tangent
from semphys.langevin.stability import StepCheck, check_step, require_stable
from semphys.threads import torch_threads

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
        out["step_checks"] = [{"stiffness": c.stiffness, "limit": c.limit if math.isfinite(c.limit) else None,
                               "stable": c.stable} for c in self.step_checks]
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


def simulate(
    system: LangevinSystem,
    x0: Tensor,
    *,
    dt: float,
    n_steps: int,
    scheme: str = "overdamped",
    v0: Tensor | None = None,
    t0: float = 0.0,
    seed: int | None = 0,
    generator: torch.Generator | None = None,
    record_every: int = 0,
    record_particles: int | None = None,
    fep_tau: float | None = None,
    observe: Observer | None = None,
    observe_every: int = 1,
    ito_correction: bool = True,
    check_stability: bool = True,
    stability_every: int = 1000,
    log_lambda: bool = True,
    progress: bool = False,
    threads: int | None = DEFAULT_THREADS,
    retraction: str = "normalize",
    noise: str = "gaussian",
) -> Trajectory:
    """Integrate `n_steps` steps of size `dt` from x0 [n, d] (and v0, underdamped; default: v = 0).

    scheme: `overdamped` (projected Euler-Maruyama with the spurious drift, spec 4.2) or
        `underdamped` (g-BAOAB); see `semphys.langevin.integrators`.
    seed / generator: the noise; a given generator wins over the seed.
    record_every: keep positions every this many steps (0: none); record_particles: only the
        first this many particles (default all).
    fep_tau: also track the EMA of every particle with this time constant (spec 4.2's FEP).
    ito_correction: overdamped only; False drops the spurious drift (wrong for position-dependent
        friction; there to show the failure).
    threads: torch threads for the loop (see `DEFAULT_THREADS`; None: torch's setting).
    retraction: overdamped only, how the tangent step returns to the sphere (`normalize`,
        `exponential` or `extrinsic`, see `semphys.langevin.integrators.overdamped_step`).
    noise: overdamped only, `gaussian` or `rademacher` (two-point weak increments, cheaper to draw).
    The state's dtype is x0's (float64 for validation, float32 for speed).
    """
    with torch_threads(threads):
        return _simulate(system, x0, dt=dt, n_steps=n_steps, scheme=scheme, v0=v0, t0=t0, seed=seed,
                         generator=generator, record_every=record_every, record_particles=record_particles,
                         fep_tau=fep_tau, observe=observe, observe_every=observe_every,
                         ito_correction=ito_correction, check_stability=check_stability,
                         stability_every=stability_every, log_lambda=log_lambda, progress=progress,
                         retraction=retraction, noise=noise)


def _simulate(system: LangevinSystem, x0: Tensor, *, dt: float, n_steps: int, scheme: str, v0: Tensor | None,
              t0: float, seed: int | None, generator: torch.Generator | None, record_every: int,
              record_particles: int | None, fep_tau: float | None, observe: Observer | None, observe_every: int,
              ito_correction: bool, check_stability: bool, stability_every: int, log_lambda: bool,
              progress: bool, retraction: str, noise: str) -> Trajectory:
    if retraction not in RETRACTIONS:
        raise UserError(f"unknown retraction {retraction!r}; choose from {', '.join(RETRACTIONS)}")
    if noise not in NOISES:
        raise UserError(f"unknown noise {noise!r}; choose from {', '.join(NOISES)}")
    if noise != "gaussian" and scheme != "overdamped":
        raise UserError(f"{noise} noise is only for the overdamped scheme (the O-step needs Gaussian velocities)")
    if scheme not in SCHEMES:
        raise UserError(f"unknown scheme {scheme!r}; choose from {', '.join(SCHEMES)}")
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise UserError(f"dt = {dt} is not allowed: the time step must be finite and > 0")
    if n_steps < 0:
        raise UserError(f"n_steps = {n_steps} is not allowed: give a number of steps >= 0")
    x = as_unit_start(torch.as_tensor(x0))
    system.potential.check_state(x)
    n, d = x.shape
    underdamped = scheme == "underdamped"
    v = None
    if underdamped:
        v = torch.zeros_like(x) if v0 is None else torch.as_tensor(v0, dtype=x.dtype)
        if v.shape != x.shape:
            raise UserError(f"v0 must have the shape of x0, {list(x.shape)}, got {list(v.shape)}")
        v = project_tangent(x, v)
    if generator is None:
        generator = torch.Generator(device=x.device)
        generator.manual_seed(0 if seed is None else seed)
    stats = RunStats(scheme=scheme, dt=float(dt), n_steps=n_steps, n_particles=n, dim=d)
    keep = n if record_particles is None else min(record_particles, n)
    records: list[tuple[float, Tensor, Tensor | None, Tensor | None]] = []
    fep = FloatingEquilibriumPoint(dt, fep_tau) if fep_tau is not None else None
    if fep is not None:
        fep.update(x)
    lambdas: list[Tensor] = []
    radius: Tensor | None = None  # the ambient |y| of the `extrinsic` retraction
    temperatures = torch.empty(n_steps, dtype=torch.float64)

    def record(t: float) -> None:
        records.append((t, x[:keep].clone(), None if v is None else v[:keep].clone(),
                        None if fep is None else fep.value[:keep].clone()))

    if record_every:
        record(t0)
    force = system.force(x, t0)
    _check_finite_force(force, 0, system)
    _check_friction(x, 0, system)
    if check_stability:
        _stability(system, x, dt, scheme, t0, 0, stats)
    bar = _progress(n_steps, progress)
    start = time.perf_counter()
    t = t0
    for step in range(1, n_steps + 1):
        temperatures[step - 1] = system.temperature_at(t)
        if underdamped:
            x, v, force, info = underdamped_step(system, x, v, force, t, dt, generator, want_lambda=log_lambda)
        else:
            x, _, info = overdamped_step(system, x, t, dt, generator, ito_correction, force=force,
                                         want_lambda=log_lambda, retraction=retraction, noise=noise,
                                         radius=radius)
            radius = info.radius
        t = t0 + step * dt
        if underdamped:
            _check_finite_force(force, step, system)
        _check_step(info, step, x, system, t)
        if info.constraint_drift is not None:
            stats.max_constraint_drift = max(stats.max_constraint_drift, float(info.constraint_drift.max()))
        if info.tangent_error is not None:
            stats.max_tangent_error = max(stats.max_tangent_error, float(info.tangent_error.max()))
        else:
            force = system.force(x, t)
            _check_finite_force(force, step, system)
        if info.lambda_ is not None:
            lambdas.append(info.lambda_.mean())
        if fep is not None:
            fep.update(x)
        if record_every and step % record_every == 0:
            record(t)
        if observe is not None and step % observe_every == 0:
            observe(step, t, x, v)
        if check_stability and stability_every and step % stability_every == 0 and step < n_steps:
            _stability(system, x, dt, scheme, t, step, stats)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    stats.seconds = time.perf_counter() - start
    stats.particle_steps_per_second = n * n_steps / stats.seconds if stats.seconds > 0 else float("inf")
    return Trajectory(
        x=x, v=v if underdamped else None, t=t,
        times=torch.tensor([r[0] for r in records], dtype=torch.float64),
        positions=torch.stack([r[1] for r in records]) if records else None,
        velocities=torch.stack([r[2] for r in records]) if records and underdamped else None,
        fep=torch.stack([r[3] for r in records]) if records and fep is not None else None,
        fep_final=None if fep is None else fep.value,
        lambda_mean=torch.stack(lambdas).to(torch.float64) if lambdas else None,
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
            "check the potential's parameters and its formula", step, particle)


def _check_friction(x: Tensor, step: int, system: LangevinSystem) -> None:
    if system.friction_model.constant:
        return
    eta = system.friction_model.value(x)[:, 0]
    bad = ~(torch.isfinite(eta) & (eta > 0))
    if bool(bad.any()):
        particle = int(bad.nonzero()[0])
        raise NonFiniteError(f"friction eta(x) = {float(eta[particle])} at step {step}, particle {particle}: "
                             "the friction (viscosity) must be finite and > 0 everywhere", step, particle)


def _check_step(info: StepInfo, step: int, x: Tensor, system: LangevinSystem, t: float) -> None:
    if bool(info.finite.all()):
        _check_friction(x, step, system)
        return
    particle = _first_bad(info.finite)
    raise NonFiniteError(
        f"non-finite state at step {step}, particle {particle} ({int((~info.finite).sum())} particle(s) affected): "
        f"the force, friction or temperature (T={system.temperature_at(t):g}) produced NaN or inf; "
        "check the potential, the friction and the step size", step, particle)


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="langevin", unit="step", leave=False, mininterval=1.0)
