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

`IntegrationConfig` holds every setting of a run and is validated before the first step; it, `Trajectory`
and `RunStats` are `semphys.langevin.sde.integration`. The state a run advances, and the guards after each
step, are `semphys.langevin.sde.state`.

Both errors are `UserError`s: the CLI prints them on one line and exits with code 2.
"""

import dataclasses
import time
from collections.abc import Callable

import torch
from torch import Tensor

from semphys.core.threads import torch_threads
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.fep import FloatingEquilibriumPoint
from semphys.langevin.sde.integration import IntegrationConfig, RunStats, Trajectory
from semphys.langevin.sde.integrators import StepInfo
from semphys.langevin.sde.stability import check_step, require_stable
from semphys.langevin.sde.state import RunState

Observer = Callable[[int, float, Tensor, "Tensor | None"], None]
"""observe(step, t, x, v): called after every `observe_every`-th step with the current state
(x, v: [n, d]; v is None when overdamped). It must not modify them."""


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
        state = RunState.start(system, x0, v0, config, generator)
        return _integrate(system, state, config, observe)


class _Records:
    """Positions, velocities and the FEP of the first `keep` particles every `every` steps; lambda(t)."""

    def __init__(self, state: RunState, config: IntegrationConfig) -> None:
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

    def record(self, state: RunState) -> None:
        k = self.keep
        self.rows.append(
            (
                state.t,
                state.x[:k].clone(),
                None if state.v is None else state.v[:k].clone(),
                None if self.fep is None else self.fep.value[:k].clone(),
            )
        )

    def after_step(self, state: RunState, info: StepInfo, step: int) -> None:
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
    system: LangevinSystem, state: RunState, config: IntegrationConfig, observe: Observer | None
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


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="langevin", unit="step", leave=False, mininterval=1.0)
