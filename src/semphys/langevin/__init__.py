"""semphys.langevin: the constrained Langevin equation of spec 000 §4 on the sphere, validated, and coupled
to a language model's next-token distribution.

    m x'' + eta(x) x' = -grad U_eff(x, t) + F_ext + lambda x + sqrt(2 eta(x) T) xi(t),   |x| = 1

Rooms (one idea each):
    sde/         the equation and its integration
        sphere, potentials, friction, schedules, equation (`LangevinSystem`), integrators (g-BAOAB, projected
        Euler-Maruyama), stability (`UnstableStepError`), engine (`simulate`), fep (the floating equilibrium
        point), theory (closed forms: vMF, equipartition, OU, Kramers, exact weak reference), user_potential
    checks/      the simulator against theory, one typed `Measurement` per check (`run_validation`)
    decoding/    spec 000 §4.4's melt / guide / crystallise cycle on a model's top-k distribution (coupling),
                 greedy, sampling and the Langevin decoder (decoders), text metrics, decoders side by side
    measure/     is a model's own inference this process? The layer and token clocks and their claims
    plots        the figures (each function returns a matplotlib Figure)

The commands (`semphys langevin simulate | validate | generate | measure`) are experiments in
`semphys.experiments.langevin`: they write the files; this package only computes.

Start vectors: rows whose length differs from 1 by more than 1e-6 are normalised with a
`NonUnitStartWarning`; zero or non-finite rows are rejected with a `UserError`. dt <= 0, negative
temperatures, non-positive viscosity or mass, a dimension mismatch between potential and state are
`UserError`s; a potential that returns NaN stops the run with a `NonFiniteError` naming the step
and particle; a step size beyond the stability limit raises `UnstableStepError`. All three are
`UserError`s (one line and exit code 2 at the command line).
"""

from semphys.langevin.checks import Measurement, run_validation
from semphys.langevin.decoding.coupling import TokenDynamics, induced_distribution, kl_divergence, run_token_dynamics
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.fep import FloatingEquilibriumPoint, ema_alpha, floating_equilibrium_point
from semphys.langevin.sde.friction import ConstantFriction, ExponentialFriction, FrictionFunction
from semphys.langevin.sde.integration import RunStats, Trajectory
from semphys.langevin.sde.potentials import (
    DoubleWell,
    EnergyFunction,
    LinearPotential,
    MixtureOfWells,
    PerturbedPotential,
    Potential,
)
from semphys.langevin.sde.schedules import Constant, Exponential, Linear, Stepwise, make_schedule
from semphys.langevin.sde.sphere import NonUnitStartWarning, uniform_on_sphere
from semphys.langevin.sde.stability import UnstableStepError, check_step, stiffness
from semphys.langevin.sde.state import NonFiniteError

__all__ = [
    "Constant",
    "ConstantFriction",
    "DoubleWell",
    "EnergyFunction",
    "Exponential",
    "ExponentialFriction",
    "FloatingEquilibriumPoint",
    "FrictionFunction",
    "LangevinSystem",
    "Linear",
    "LinearPotential",
    "Measurement",
    "MixtureOfWells",
    "NonFiniteError",
    "NonUnitStartWarning",
    "PerturbedPotential",
    "Potential",
    "RunStats",
    "Stepwise",
    "TokenDynamics",
    "Trajectory",
    "UnstableStepError",
    "check_step",
    "ema_alpha",
    "floating_equilibrium_point",
    "induced_distribution",
    "kl_divergence",
    "make_schedule",
    "run_token_dynamics",
    "run_validation",
    "simulate",
    "stiffness",
    "uniform_on_sphere",
]
