"""`semphys langevin simulate`: many particles in a landscape of spec 000 §4.1, and what they did.

`SimulateConfig` holds every option; `SimulateConfig.validate` checks them all before anything is
written (finite, in range, the allocation against the memory available, `--out` creatable and not
another run's), then builds the landscape (a user potential is imported and probed) and starts the
engine for zero steps, so a zero start vector, a dimension mismatch or an unstable step size is
refused before the run directory is claimed. `run` integrates with `semphys.langevin.sde.engine.simulate`;
`SimulateResult.save` writes:

    OUT/trajectory.npz   times [R], positions [R, p, d], fep [R, p, d] (the EMA, not normalised) of the
                         first p = record_particles particles every record_every steps, x_final [n, d],
                         v_final [n, d] (underdamped, else empty), lambda_mean [steps], temperature [steps]
    OUT/summary.json     schema `semphys.langevin.simulate/1` (summary.schema.json): config, run statistics
                         (stiffness checks, constraint drift, speed), final mean of mu.x and its vMF value
                         for a linear potential at constant temperature, files, versions
    OUT/*.png            trajectories on S^2 (d = 3), histogram of mu.x against theory (linear), FEP vs raw"""

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from semphys.core.errors import UserError
from semphys.core.figures import save_figure
from semphys.core.io import atomic_path, write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.validate import (
    require_at_least,
    require_choice,
    require_finite,
    require_memory,
    require_non_negative,
    require_positive,
)
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.langevin import plots
from semphys.langevin.sde import theory
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.friction import ConstantFriction, ExponentialFriction
from semphys.langevin.sde.integration import IntegrationConfig, Trajectory
from semphys.langevin.sde.integrators import RETRACTIONS, SCHEMES
from semphys.langevin.sde.potentials import DoubleWell, LinearPotential, MixtureOfWells, Potential
from semphys.langevin.sde.schedules import SCHEDULES, make_schedule
from semphys.langevin.sde.sphere import uniform_on_sphere
from semphys.langevin.sde.user_potential import load_user_potential

COMMAND = Command("langevin simulate", "semphys.langevin.simulate/1", ("trajectory.npz", "summary.json", "*.png"))
SCHEMA_FILE = schema_path(__file__, "summary")
BUILT_IN = ("linear", "double-well", "mixture")
STATE_COPIES = 8
"""float64 [n, d] arrays alive at once in a step (state, noise, force, drift, temporaries): the memory check."""


@dataclass(frozen=True)
class SimulateConfig:
    """Every option of `semphys langevin simulate` (spec 000 §4.1's equation; defaults as the CLI's)."""

    potential: str
    """`linear` (von Mises-Fisher), `double-well`, `mixture`, or `FILE.py:FUNCTION` (U(x, t) -> [n], torch)."""
    out: Path
    """Run directory: trajectory.npz, summary.json, PNG figures."""
    dim: int = 3
    """Ambient dimension d (the sphere is S^(d-1))."""
    n_particles: int = 512
    """Number of particles."""
    steps: int = 2000
    """Integration steps."""
    dt: float = 0.01
    """Time step (> 0; refused above the stability limit, `semphys.langevin.sde.stability`)."""
    scheme: str = "overdamped"
    """`overdamped` (projected Euler-Maruyama, spec 000 §4.2) or `underdamped` (g-BAOAB)."""
    retraction: str = "normalize"
    """Overdamped: `normalize`, `exponential` or `extrinsic` (`semphys.langevin.sde.integrators`)."""
    temperature: float = 0.2
    """T = 1 / beta (>= 0); the start of a schedule."""
    schedule: str = "constant"
    """`constant`, `linear`, `exponential` or `stepwise` (`semphys.langevin.sde.schedules`)."""
    temperature_end: float | None = None
    """End temperature of a schedule."""
    eta: float = 1.0
    """Viscosity (spec 000 §4.2's eta)."""
    eta_gradient: float = 0.0
    """Position-dependent viscosity eta exp(a mu.x): a."""
    mass: float = 1.0
    """Mass m (> 0), underdamped."""
    kappa: float = 5.0
    """linear: concentration; mixture: well sharpness."""
    barrier: float = 1.0
    """double-well: barrier height dU."""
    mu: tuple[float, ...] | None = None
    """Direction (linear) / axis (double-well); default the last axis."""
    n_wells: int = 3
    """mixture: number of wells (random centres from `seed`)."""
    start: tuple[float, ...] | None = None
    """One start vector for every particle (normalised with a warning if not unit); default uniform."""
    fep_tau: float = 0.5
    """Time constant of the floating equilibrium point (EMA, spec 000 §4.2)."""
    record_every: int = 10
    """Record positions every this many steps."""
    record_particles: int = 16
    """Record this many particles."""
    seed: int = 0
    """Seed of the noise and the random starts."""

    def validate(self) -> None:
        """Every field, the memory the run needs and `--out`; then the landscape and the start (zero steps)."""
        if self.potential not in BUILT_IN and ":" not in self.potential:
            raise UserError(
                f"potential {self.potential!r}: give a built-in name ({', '.join(BUILT_IN)}) or FILE.py:FUNCTION"
            )
        require_at_least("--dim", self.dim, 2)
        for name in ("n_particles", "steps", "record_every", "record_particles"):
            require_at_least(f"--{name.replace('_', '-')}", getattr(self, name), 1)
        if self.potential == "mixture":
            require_at_least("--n-wells", self.n_wells, 1)
        require_choice("--scheme", self.scheme, SCHEMES)
        require_choice("--retraction", self.retraction, RETRACTIONS)
        require_choice("--schedule", self.schedule, SCHEDULES)
        require_positive("--dt", self.dt)
        require_non_negative("--temperature", self.temperature)
        if self.temperature_end is not None:
            require_non_negative("--temperature-end", self.temperature_end)
        for name in ("eta", "mass", "fep_tau"):
            require_positive(f"--{name.replace('_', '-')}", getattr(self, name))
        for name in ("eta_gradient", "kappa", "barrier"):
            require_finite(f"--{name.replace('_', '-')}", getattr(self, name))
        for name in ("mu", "start"):
            vector = getattr(self, name)
            if vector is not None:
                for value in vector:
                    require_finite(f"--{name}", value)
        require_memory(
            f"--n-particles {self.n_particles} x --dim {self.dim}", STATE_COPIES * 8.0 * self.n_particles * self.dim
        )
        COMMAND.check(self.out, self.fingerprint())
        with warnings.catch_warnings():  # the run says them; here only the refusals count
            warnings.simplefilter("ignore")
            landscape = build(self)
            simulate(landscape.system, landscape.x0, _integration(self, progress=False), n_steps=0)

    def fingerprint(self) -> dict:
        """The fields that decide the result (all but `out`)."""
        return {key: value for key, value in asdict(self).items() if key != "out"}


@dataclass
class Landscape:
    """What `build` made from a config: the system, its potential and axis, and the start."""

    system: LangevinSystem
    potential: Potential
    axis: torch.Tensor
    x0: torch.Tensor


def build(config: SimulateConfig) -> Landscape:
    """The potential, friction, schedule and start of `config` (a user potential is imported and probed)."""
    generator = torch.Generator().manual_seed(config.seed)
    axis = torch.tensor(config.mu, dtype=torch.float64) if config.mu else torch.eye(config.dim, dtype=torch.float64)[-1]
    if config.potential == "linear":
        potential = LinearPotential(axis, config.kappa)
    elif config.potential == "double-well":
        potential = DoubleWell(axis, config.barrier)
    elif config.potential == "mixture":
        centers = uniform_on_sphere(config.n_wells, config.dim, generator)
        potential = MixtureOfWells(centers, torch.ones(config.n_wells), config.kappa, scale=1.0)
    else:
        potential = load_user_potential(config.potential, config.dim)
    duration = config.steps * config.dt
    temperature = make_schedule(
        config.schedule, config.temperature, config.temperature_end, duration if config.schedule != "constant" else None
    )
    friction = (
        ConstantFriction(config.eta)
        if config.eta_gradient == 0
        else ExponentialFriction(config.eta, axis, config.eta_gradient)
    )
    system = LangevinSystem(potential, friction=friction, mass=config.mass, temperature=temperature)
    if config.start is not None:
        x0 = torch.tensor(config.start, dtype=torch.float64).expand(config.n_particles, -1).clone()
    else:
        x0 = uniform_on_sphere(config.n_particles, config.dim, generator)
    return Landscape(system, potential, axis, x0)


@dataclass
class SimulateResult:
    """The landscape that was simulated and what the engine returned."""

    config: SimulateConfig
    landscape: Landscape
    """The potential, its axis mu, the system and the start (`build`)."""
    trajectory: Trajectory
    """What `semphys.langevin.sde.engine.simulate` returned: final state, records, lambda(t), statistics."""

    @property
    def files(self) -> list[str]:
        """The files `save` writes, in the order summary.json lists them."""
        return ["trajectory.npz", "summary.json", *_figures(self)]

    def save(self, out: Path) -> Path:
        """Write OUT/trajectory.npz, the PNG figures and OUT/summary.json; returns summary.json's path."""
        out = COMMAND.claim(out, self.config.fingerprint())
        summary = _summary(self)
        _write_trajectory(out / "trajectory.npz", self.trajectory)
        for name, figure in _figures(self).items():
            save_figure(figure(), out / name, dpi=120)
        summary["files"] = self.files
        check_document(summary, SCHEMA_FILE)
        return write_text_atomic(out / "summary.json", to_json(summary, indent=2))


def run(config: SimulateConfig, log: Log = quiet, work: Path | None = None) -> SimulateResult:
    """Build the landscape and integrate; the engine's warnings go to `log`. `work` is unused (no resume)."""
    landscape = build(config)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trajectory = simulate(landscape.system, landscape.x0, _integration(config, progress=True))
    for warning in caught:
        log(f"warning: {warning.message}")
    return SimulateResult(config, landscape, trajectory)


def _integration(config: SimulateConfig, progress: bool) -> IntegrationConfig:
    return IntegrationConfig(
        dt=config.dt,
        n_steps=config.steps,
        scheme=config.scheme,
        seed=config.seed,
        record_every=config.record_every,
        record_particles=config.record_particles,
        fep_tau=config.fep_tau,
        progress=progress,
        retraction=config.retraction,
    )


def _mu_dot_x(result: SimulateResult) -> np.ndarray:
    x = result.trajectory.x
    return (x @ result.landscape.axis.to(x.dtype)).numpy()


def _equilibrium_beta_kappa(config: SimulateConfig) -> float | None:
    """beta kappa of the vMF stationary law, where it applies (linear potential at constant T > 0)."""
    if config.potential == "linear" and config.schedule == "constant" and config.temperature > 0:
        return config.kappa / config.temperature
    return None


def _summary(result: SimulateResult) -> dict:
    config, run = result.config, result.trajectory
    beta_kappa = _equilibrium_beta_kappa(config)
    return {
        "schema": COMMAND.schema,
        "config": {**config.fingerprint(), "mu": result.landscape.axis.tolist()},
        "stats": run.stats.to_dict(),
        "final_mean_mu_dot_x": float(_mu_dot_x(result).mean()),
        "theory_mean_mu_dot_x": None if beta_kappa is None else theory.mean_resultant_length(config.dim, beta_kappa),
        "lambda_mean_last": None if run.lambda_mean is None else float(run.lambda_mean[-1]),
        **collect_provenance(),
    }


def _write_trajectory(path: Path, run: Trajectory) -> None:
    empty = np.zeros(0)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            times=run.times.numpy(),
            positions=run.positions.numpy(),
            fep=run.fep.numpy(),
            x_final=run.x.numpy(),
            v_final=run.v.numpy() if run.v is not None else empty,
            lambda_mean=run.lambda_mean.numpy() if run.lambda_mean is not None else empty,
            temperature=run.temperature.numpy(),
        )


def _figures(result: SimulateResult) -> dict[str, Callable[[], Figure]]:
    """File name -> the function that draws it (`semphys.langevin.plots`), for this config."""
    config, landscape, run = result.config, result.landscape, result.trajectory
    figures: dict[str, Callable[[], Figure]] = {}
    if config.dim == 3:
        wells = landscape.potential.centers.numpy() if config.potential == "mixture" else None
        figures["trajectories.png"] = lambda: plots.trajectories_on_sphere(
            run.positions[:, :6].numpy(), f"{config.potential} on S^2", wells
        )
    beta_kappa = _equilibrium_beta_kappa(config)
    if beta_kappa is not None:
        figures["histogram.png"] = lambda: plots.stationary_histogram(_mu_dot_x(result), config.dim, beta_kappa)
    figures["fep.png"] = lambda: plots.fep_vs_raw(
        run.times.numpy(), run.positions[:, 0, -1].numpy(), run.fep[:, 0, -1].numpy(), None, config.fep_tau
    )
    return figures
