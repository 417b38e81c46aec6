"""Spec 000 §4.4's micro-cycle on a language model's next-token distribution: melt, guide, crystallise.

The sphere. At each generation step the model proposes its top-k candidates with probabilities q
(renormalised over the k). The square-root embedding p = x^2 maps the simplex of distributions
over the k candidates onto the unit sphere S^(k-1) (the positive orthant; x . y is the
Bhattacharyya coefficient of x^2 and y^2, and great-circle distance is the Fisher-Rao distance up
to a factor 2). The particle x lives on that sphere.

The landscapes (U_base):
- `bhattacharyya` (default): U = -kappa x . sqrt(q) = -kappa BC(x^2, q). One well, at x* = sqrt(q).
  Its Gibbs measure is vMF(sqrt(q), kappa / T), so for a state x in equilibrium
  E[x_i^2] = (1 - eps) q_i + eps / k with eps = k A_k(kappa/T) / (kappa/T)
  (`theory.induced_distribution`). Crystallising by sampling a candidate with probability x_i^2
  of the end state therefore gives the token distribution (1 - eps) q + eps * uniform, which tends
  to q as kappa / T -> inf (eps ~ (k - 1) T / kappa): the limit the tests check by KL. So in this
  landscape temperature does NOT act like softmax temperature (q^(1/T)): it mixes q with the
  uniform distribution over the k candidates. Crystallising by argmax instead gives greedy as
  T -> 0 and a Thurstone (probit) choice at finite T. Reading out the FEP (the EMA of the
  trajectory, spec 000 §4.2) instead of the end state removes the thermal noise: the vMF mean direction
  is sqrt(q) at every temperature, so sampling from the FEP's x^2 tends to q for long averaging
  whatever T is.
- `wells`: U = -log sum_i q_i exp(kappa_w (x_i - 1)) (`MixtureOfWells` with the k vertices e_i as
  centres, energy unit 1). One well per candidate, crystallised states are one-hot. At T = 1 and
  for narrow wells the Gibbs weight of well i is q_i; at temperature T it is q_i^(1/T) / Z: softmax
  temperature sampling, reached only if the particle can hop between wells. Crystallisation reads
  the nearest vertex (argmax x_i^2). With high barriers hopping freezes when cooling, so an anneal
  samples at the temperature where the particle froze, not at the final one: there annealing
  matters, and the measurements say how much.

The cycle of one step (spec 000 §4.4): melting = a uniformly random start on the sphere (or the previous
step's state, `start="previous"`) with the temperature at `temperature_melt`; guiding = the
dynamics under U_base + U_perturb as T falls to `temperature_end` (exponential schedule reaching it
at 70% of the step, then constant); crystallisation = a token read from the end state or its FEP.
U_perturb = -steer_strength x . s with s the normalised indicator of the candidates in a steering
token set (a steering prompt is used as the bag of its tokens). Viscosity (spec 000 §4.1.1's "rut"):
eta(x) = eta exp(rut_strength x . r) with r the previous step's end state carried over to the
current candidates by token identity (candidates the previous step did not have get 0); moving in
the old rut is slow. Position-dependent friction leaves the equilibrium alone (the spurious drift
keeps exp(-U/T)); it acts only through the finite integration time.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.core.validate import require_finite, require_non_negative
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.friction import ConstantFriction, ExponentialFriction
from semphys.langevin.sde.integrators import SCHEMES
from semphys.langevin.sde.potentials import LinearPotential, MixtureOfWells, PerturbedPotential, Potential
from semphys.langevin.sde.schedules import Constant, Exponential, Schedule
from semphys.langevin.sde.sphere import uniform_on_sphere

LANDSCAPES = ("bhattacharyya", "wells")
CRYSTALLIZE = ("sample", "argmax")
READ_OUT = ("state", "fep")
STARTS = ("uniform", "previous")


@dataclass(frozen=True)
class TokenDynamics:
    """How one generation step runs on S^(k-1) (spec 000 §4.4). Validated on construction."""

    landscape: str = "bhattacharyya"
    """`bhattacharyya` (one well at sqrt(q)) or `wells` (one well per candidate); see the module docstring."""
    kappa: float = 1.0
    """Depth of the Bhattacharyya well, U_base = -kappa x . sqrt(q) (4.1.1 item 3); energy unit."""
    wells_kappa: float = 30.0
    """`wells` landscape: sharpness of each well (angular width about sqrt(T / wells_kappa))."""
    temperature_end: float = 0.02
    """T at which the step crystallises (4.4 item 3). kappa / T_end sets how close the token law is to q."""
    temperature_melt: float | None = None
    """T at the start of the step (4.4 item 1, melting); None: constant T = temperature_end (no anneal)."""
    n_steps: int = 200
    """Integration steps per generated token."""
    dt: float = 0.02
    """Time step (checked against the stability limit)."""
    scheme: str = "overdamped"
    """`overdamped` (spec 000 §4.2) or `underdamped` (g-BAOAB with `mass`)."""
    mass: float = 1.0
    """Context mass m (4.1.1 item 1), underdamped only."""
    eta: float = 1.0
    """Base viscosity (4.1.1 item 2)."""
    rut_strength: float = 0.0
    """Viscosity along the previous step's state: eta(x) = eta exp(rut_strength x . r) (the rut)."""
    start: str = "uniform"
    """`uniform` (fully melted) or `previous` (the previous end state carried over, then melted)."""
    steer_strength: float = 0.0
    """kappa_s of U_perturb = -kappa_s x . s (s: the steering candidates); 0 for none."""
    crystallize: str = "sample"
    """`sample` a candidate with probability x_i^2, or `argmax` of x_i^2."""
    read_out: str = "state"
    """Crystallise from the end `state` or from its `fep` (EMA with time constant `fep_tau`)."""
    fep_tau: float = 1.0

    def __post_init__(self) -> None:
        for value, allowed, name in (
            (self.landscape, LANDSCAPES, "landscape"),
            (self.crystallize, CRYSTALLIZE, "crystallize"),
            (self.read_out, READ_OUT, "read_out"),
            (self.start, STARTS, "start"),
            (self.scheme, SCHEMES, "scheme"),
        ):
            if value not in allowed:
                raise UserError(f"{name} {value!r} is not allowed; choose from {', '.join(allowed)}")
        positive = {
            "kappa": self.kappa,
            "wells_kappa": self.wells_kappa,
            "dt": self.dt,
            "mass": self.mass,
            "eta (viscosity)": self.eta,
            "fep_tau": self.fep_tau,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise UserError(f"{name} = {value} is not allowed: it must be finite and > 0")
        for name, value in (("temperature_end", self.temperature_end), ("temperature_melt", self.temperature_melt)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise UserError(f"{name} = {value} is not allowed: a temperature must be finite and >= 0")
        if self.temperature_melt is not None and (self.temperature_melt == 0 or self.temperature_end == 0):
            raise UserError("an anneal needs temperature_melt > 0 and temperature_end > 0")
        if self.n_steps < 1:
            raise UserError(f"n_steps = {self.n_steps}: integrate at least one step per token")
        require_finite("rut_strength (--rut)", self.rut_strength)
        require_non_negative("steer_strength (--steer-strength)", self.steer_strength)

    @property
    def duration(self) -> float:
        return self.n_steps * self.dt

    def schedule(self) -> Schedule:
        """Constant at T_end, or exponential from T_melt reaching T_end at 70% of the step."""
        if self.temperature_melt is None:
            return Constant(self.temperature_end)
        return Exponential(self.temperature_melt, self.temperature_end, 0.7 * self.duration)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class TokenStep:
    """What one step of the dynamics did, per row."""

    index: Tensor
    """[b] the crystallised candidate (0 .. k-1)."""
    x: Tensor
    """[b, k] end state."""
    fep: Tensor | None
    """[b, k] FEP (EMA, not normalised) when read_out == 'fep'."""
    bhattacharyya: Tensor
    """[b] x . sqrt(q) of the end state (1 = on the target)."""
    fep_bhattacharyya: Tensor | None
    lambda_mean: float
    """Mean constraint multiplier over the last 10% of the step."""


def landscape(q: Tensor, dynamics: TokenDynamics, steer: Tensor | None = None) -> Potential:
    """U_eff for rows of candidate distributions q [b, k] (steer: [b, k] indicator or None)."""
    if dynamics.landscape == "bhattacharyya":
        base: Potential = LinearPotential(q.sqrt(), dynamics.kappa)
    else:
        eye = torch.eye(q.shape[-1], dtype=torch.float64)
        base = MixtureOfWells(eye, q.clamp_min(1e-300), dynamics.wells_kappa, scale=1.0)
    if steer is None or dynamics.steer_strength == 0:
        return base
    has = steer.sum(dim=-1, keepdim=True) > 0
    if not bool(has.any()):
        return base
    direction = torch.where(has, steer, torch.ones_like(steer))  # rows without steering tokens get kappa_s = 0
    strength = torch.where(has[:, 0], dynamics.steer_strength, 0.0)
    return PerturbedPotential(base, LinearPotential(direction, strength))


def carry_over(prev_ids: Tensor, prev_x: Tensor, ids: Tensor) -> Tensor:
    """The previous state on the current candidates by token identity: [b, k] (0 where absent), x_i >= 0 kept."""
    match = ids[:, :, None] == prev_ids[:, None, :]  # [b, k, k_prev]
    return (match.to(prev_x.dtype) * prev_x.clamp_min(0)[:, None, :]).sum(dim=-1)


def run_token_dynamics(
    q: Tensor,
    dynamics: TokenDynamics,
    generator: torch.Generator,
    steer: Tensor | None = None,
    rut: Tensor | None = None,
) -> TokenStep:
    """Melt, guide and crystallise once for each row of q [b, k] (float64). rut: [b, k] or None."""
    q = q.to(torch.float64)
    b, k = q.shape
    potential = landscape(q, dynamics, steer)
    friction = ConstantFriction(dynamics.eta)
    rut_norm = None if rut is None else rut.norm(dim=-1, keepdim=True)
    if rut is not None and dynamics.rut_strength != 0 and bool((rut_norm > 0).any()):
        friction = ExponentialFriction(dynamics.eta, rut / rut_norm.clamp_min(1e-300), dynamics.rut_strength)
    x0 = uniform_on_sphere(b, k, generator)
    if dynamics.start == "previous" and rut is not None:
        carried = rut / rut_norm.clamp_min(1e-300)
        x0 = torch.where(rut_norm > 0, carried, x0)
    system = LangevinSystem(potential, friction=friction, mass=dynamics.mass, temperature=dynamics.schedule())
    run = simulate(
        system,
        x0,
        dt=dynamics.dt,
        n_steps=dynamics.n_steps,
        scheme=dynamics.scheme,
        generator=generator,
        fep_tau=dynamics.fep_tau if dynamics.read_out == "fep" else None,
        stability_every=max(dynamics.n_steps // 2, 1),
    )
    source = run.x if dynamics.read_out == "state" else torch.nn.functional.normalize(run.fep_final, dim=-1)
    p = source**2
    if dynamics.landscape == "wells" or dynamics.crystallize == "argmax":
        index = p.argmax(dim=-1)
    else:
        index = torch.multinomial(p / p.sum(dim=-1, keepdim=True), 1, generator=generator)[:, 0]
    target = q.sqrt()
    tail = run.lambda_mean[-max(dynamics.n_steps // 10, 1) :] if run.lambda_mean is not None else torch.zeros(1)
    fep_dir = None if run.fep_final is None else torch.nn.functional.normalize(run.fep_final, dim=-1)
    return TokenStep(
        index=index,
        x=run.x,
        fep=run.fep_final,
        bhattacharyya=(run.x * target).sum(-1),
        fep_bhattacharyya=None if fep_dir is None else (fep_dir * target).sum(-1),
        lambda_mean=float(tail.mean()),
    )


def induced_distribution(q: Tensor, dynamics: TokenDynamics, n_particles: int = 20_000, seed: int = 0) -> Tensor:
    """The token law the dynamics induces for one candidate distribution q [k]: a histogram over
    `n_particles` independent runs of one step, [k] float64."""
    q = torch.as_tensor(q, dtype=torch.float64)
    if q.ndim != 1 or (q < 0).any() or abs(float(q.sum()) - 1) > 1e-6:
        raise UserError("q must be a probability vector [k] (non-negative, summing to 1)")
    generator = torch.Generator().manual_seed(seed)
    step = run_token_dynamics(q.expand(n_particles, -1).clone(), dynamics, generator)
    return torch.bincount(step.index, minlength=q.shape[0]).to(torch.float64) / n_particles


def kl_divergence(p: Tensor, q: Tensor) -> float:
    """KL(p || q) in nats; terms with p_i = 0 contribute 0; inf when q_i = 0 < p_i."""
    p, q = p.to(torch.float64), q.to(torch.float64)
    mask = p > 0
    if bool((q[mask] == 0).any()):
        return math.inf
    return float((p[mask] * (p[mask] / q[mask]).log()).sum())
