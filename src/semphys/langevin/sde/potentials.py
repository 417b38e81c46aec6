"""Potentials U(x, t) on the sphere: built-ins with closed-form gradients, and user energies.

Spec 000 §4.1: U_eff(x, t) = U_base(x) + U_perturb(x, t); the particle feels -grad U_eff. Only the
component of the gradient tangent to the sphere matters (the normal one is absorbed by the
constraint force lambda x), so gradients here are ambient (Euclidean) gradients in R^d and the
integrators project them.

Built-ins (every parameter may be shared, `[d]`, or per particle, `[n, d]`):

    LinearPotential   U = -kappa mu . x. Its Gibbs measure exp(-beta U) is the von Mises-Fisher
                      distribution vMF(mu, beta kappa); the mean resultant length is
                      A_d(beta kappa) = I_{d/2}(beta kappa) / I_{d/2-1}(beta kappa).
    DoubleWell        U = barrier (1 - (a . x)^2): wells at +a and -a, the equator a . x = 0 a
                      barrier `barrier` high. On the circle (d = 2) it is the 1-D cosine potential
                      U(theta) = barrier sin^2(theta) with two saddles, a textbook Kramers problem.
    MixtureOfWells    U = -scale log sum_j w_j exp(kappa (c_j . x - 1)): one smooth well per centre
                      c_j, the deeper the larger its weight w_j; a well's depth relative to another
                      is scale log(w_i / w_j).
    EnergyFunction    any user callable fn(x [n, d], t) -> [n]; gradient by autograd.

`PerturbedPotential(base, perturbation, strength)` is U_base + s(t) U_perturb, with s(t) a number
or a callable of time. Sums of potentials (`a + b`) are potentials.
"""

from collections.abc import Callable

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.langevin.sde.sphere import dot


class Potential:
    """U(x, t): energies `[n]` of particles `x: [n, d]` at time `t`, and their ambient gradient."""

    dim: int | None = None
    """The dimension d the potential is defined in; None when any d works."""
    name: str = "potential"

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        raise NotImplementedError

    def grad(self, x: Tensor, t: float = 0.0) -> Tensor:
        """Ambient gradient [n, d]; by autograd of `energy` unless a subclass gives it in closed form."""
        return autograd_grad(self.energy, x, t, self.name)

    def force(self, x: Tensor, t: float = 0.0) -> Tensor:
        """-grad U, [n, d] (possibly a broadcast view: do not modify it in place)."""
        return -self.grad(x, t)

    def subset(self, rows: Tensor) -> "Potential | None":
        """The potential seen by particles `rows` alone (per-particle parameters sliced); None when it
        cannot tell (a user function), so callers evaluate it on every particle instead."""
        return None

    def check_state(self, x: Tensor) -> None:
        """`UserError` when the state's dimension (or particle count) does not fit this potential."""
        if self.dim is not None and x.shape[-1] != self.dim:
            raise UserError(
                f"dimension mismatch: the {self.name} potential is defined in d={self.dim} "
                f"but the state has d={x.shape[-1]}; give start vectors of length {self.dim}"
            )

    def __add__(self, other: "Potential") -> "Potential":
        return SumPotential((self, other))


def autograd_grad(energy: Callable[[Tensor, float], Tensor], x: Tensor, t: float, name: str) -> Tensor:
    """d energy / dx by autograd, for energies given only as functions. x: [n, d] -> [n, d]."""
    with torch.enable_grad():
        leaf = x.detach().requires_grad_(True)
        value = energy(leaf, t)
        if not isinstance(value, Tensor) or value.shape != (x.shape[0],):
            shape = list(value.shape) if isinstance(value, Tensor) else type(value).__name__
            raise UserError(
                f"the {name} potential must return one energy per particle, shape [{x.shape[0]}], got {shape}"
            )
        (grad,) = torch.autograd.grad(value.sum(), leaf, allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad


def _as_param(value: "Tensor | list | float", what: str, vector: bool) -> Tensor:
    tensor = torch.as_tensor(value, dtype=torch.float64)
    if not torch.isfinite(tensor).all():
        raise UserError(f"{what} must be finite")
    if vector and tensor.ndim not in (1, 2):
        raise UserError(f"{what} must have shape [d] or [n_particles, d], got {list(tensor.shape)}")
    return tensor


def _unit(value: "Tensor | list", what: str) -> Tensor:
    tensor = _as_param(value, what, vector=True)
    norms = tensor.norm(dim=-1, keepdim=True)
    if (norms == 0).any():
        raise UserError(f"{what} must be a nonzero vector (it is normalised to unit length)")
    return tensor / norms


def _fit(param: Tensor, x: Tensor, what: str, per_particle_ndim: int) -> Tensor:
    """Cast a parameter to x's dtype and check that a per-particle one has one row per particle."""
    if param.ndim == per_particle_ndim and param.shape[0] != x.shape[0]:
        raise UserError(f"{what} has per-particle values for {param.shape[0]} particles but the state has {x.shape[0]}")
    return param.to(dtype=x.dtype, device=x.device)


class LinearPotential(Potential):
    """U = -kappa mu . x (von Mises-Fisher Gibbs measure; spec 000 §4.4's Bhattacharyya well when mu = sqrt(q)).

    mu: [d] or [n, d], normalised here; kappa: >= 0, a number or [n].
    """

    name = "linear (von Mises-Fisher)"

    def __init__(self, mu: "Tensor | list", kappa: "float | Tensor") -> None:
        self.mu = _unit(mu, "the linear potential's direction mu")
        self.kappa = _as_param(kappa, "kappa", vector=False)
        if (self.kappa < 0).any():
            raise UserError(f"kappa = {self.kappa.tolist()} is not allowed: the concentration must be >= 0")
        self.dim = self.mu.shape[-1]

    def subset(self, rows: Tensor) -> Potential:
        out = object.__new__(LinearPotential)
        out.mu = self.mu[rows] if self.mu.ndim == 2 else self.mu
        out.kappa = self.kappa[rows] if self.kappa.ndim == 1 else self.kappa
        out.dim = self.dim
        return out

    def _kappa(self, x: Tensor) -> Tensor:
        kappa = _fit(self.kappa, x, "kappa", 1)
        return kappa[:, None] if kappa.ndim == 1 else kappa

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        return -(self._kappa(x) * dot(x, _fit(self.mu, x, "mu", 2)))[:, 0]

    def grad(self, x: Tensor, t: float = 0.0) -> Tensor:
        return (-self._kappa(x) * _fit(self.mu, x, "mu", 2)).expand_as(x)

    def force(self, x: Tensor, t: float = 0.0) -> Tensor:
        # a constant force: a broadcast view of one [d] row when the parameters are shared
        return (self._kappa(x) * _fit(self.mu, x, "mu", 2)).expand_as(x)


class DoubleWell(Potential):
    """U = barrier (1 - (a . x)^2): wells at +-a, barrier height `barrier` (> 0) at the equator."""

    name = "double well"

    def __init__(self, axis: "Tensor | list", barrier: float) -> None:
        self.axis = _unit(axis, "the double well's axis")
        self.barrier = float(barrier)
        if not self.barrier > 0 or self.barrier == float("inf"):
            raise UserError(f"barrier = {barrier} is not allowed: the barrier height must be finite and > 0")
        self.dim = self.axis.shape[-1]

    def subset(self, rows: Tensor) -> Potential:
        return DoubleWell(self.axis[rows] if self.axis.ndim == 2 else self.axis, self.barrier)

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        z = dot(x, _fit(self.axis, x, "axis", 2))[:, 0]
        return self.barrier * (1 - z**2)

    def grad(self, x: Tensor, t: float = 0.0) -> Tensor:
        axis = _fit(self.axis, x, "axis", 2)
        return -2 * self.barrier * dot(x, axis) * axis


class MixtureOfWells(Potential):
    """U = -scale log sum_j w_j exp(kappa (c_j . x - 1)).

    centers: [m, d] or [n, m, d] (normalised); weights: [m] or [n, m] (per-particle weights may share
    the centres), > 0, normalised to sum 1;
    kappa > 0 sets each well's width (angular width about 1 / sqrt(beta scale kappa)); scale > 0 the
    energy unit. At temperature T = scale and for well-separated wells the Gibbs weight of well j
    is w_j (each well is then an exact vMF component of the mixture); at temperature T it is
    proportional to w_j^(scale / T).
    """

    name = "mixture of wells"

    def __init__(self, centers: "Tensor | list", weights: "Tensor | list", kappa: float, scale: float = 1.0) -> None:
        centers = torch.as_tensor(centers, dtype=torch.float64)
        if centers.ndim not in (2, 3):
            raise UserError(f"well centres must have shape [m, d] or [n, m, d], got {list(centers.shape)}")
        self.centers = _unit(centers.reshape(-1, centers.shape[-1]), "a well centre").reshape(centers.shape)
        weights = _as_param(weights, "well weights", vector=False)
        m = self.centers.shape[-2]
        fits = (
            weights.ndim in (1, 2)
            and weights.shape[-1] == m
            and (self.centers.ndim == 2 or (weights.ndim == 2 and weights.shape[0] == self.centers.shape[0]))
        )
        if not fits:
            raise UserError(
                f"well weights have shape {list(weights.shape)}; give one weight per centre, "
                f"[{m}] or [n_particles, {m}]"
            )
        if (weights <= 0).any():
            raise UserError("well weights must be > 0")
        self.log_weights = (weights / weights.sum(dim=-1, keepdim=True)).log()
        self.kappa, self.scale = float(kappa), float(scale)
        if not self.kappa > 0 or not self.scale > 0:
            raise UserError(f"kappa = {kappa} and scale = {scale} must both be > 0")
        self.dim = self.centers.shape[-1]

    def subset(self, rows: Tensor) -> Potential:
        out = object.__new__(MixtureOfWells)
        out.centers = self.centers[rows] if self.centers.ndim == 3 else self.centers
        out.log_weights = self.log_weights[rows] if self.log_weights.ndim == 2 else self.log_weights
        out.kappa, out.scale, out.dim = self.kappa, self.scale, self.dim
        return out

    def _logits(self, x: Tensor) -> tuple[Tensor, Tensor]:
        centers = _fit(self.centers, x, "well centres", 3)
        log_w = _fit(self.log_weights, x, "well weights", 2)
        if centers.ndim == 2:
            overlap = x @ centers.T  # [n, m]
        else:
            overlap = torch.einsum("nd,nmd->nm", x, centers)
        return log_w + self.kappa * (overlap - 1), centers

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        logits, _ = self._logits(x)
        return -self.scale * torch.logsumexp(logits, dim=-1)

    def grad(self, x: Tensor, t: float = 0.0) -> Tensor:
        logits, centers = self._logits(x)
        resp = torch.softmax(logits, dim=-1)  # [n, m] responsibilities of the wells
        pull = resp @ centers if centers.ndim == 2 else torch.einsum("nm,nmd->nd", resp, centers)
        return -self.scale * self.kappa * pull


class EnergyFunction(Potential):
    """A user-supplied energy `fn(x [n, d], t) -> [n]`; its gradient comes from autograd.

    dim: the dimension it expects (None: any). The function must be written in torch operations.
    """

    def __init__(self, fn: Callable[[Tensor, float], Tensor], dim: int | None = None, name: str = "user") -> None:
        if not callable(fn):
            raise UserError(f"a user potential must be callable fn(x, t) -> energies, got {type(fn).__name__}")
        self.fn, self.dim, self.name = fn, dim, name

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        return self.fn(x, t)


class SumPotential(Potential):
    """The sum of several potentials."""

    def __init__(self, terms: "tuple[Potential, ...]") -> None:
        self.terms = tuple(terms)
        dims = {term.dim for term in self.terms if term.dim is not None}
        if len(dims) > 1:
            raise UserError(f"dimension mismatch between summed potentials: {sorted(dims)}")
        self.dim = dims.pop() if dims else None
        self.name = " + ".join(term.name for term in self.terms)

    def check_state(self, x: Tensor) -> None:
        for term in self.terms:
            term.check_state(x)

    def subset(self, rows: Tensor) -> "Potential | None":
        terms = [term.subset(rows) for term in self.terms]
        return None if any(term is None for term in terms) else SumPotential(tuple(terms))

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        return sum(term.energy(x, t) for term in self.terms)

    def grad(self, x: Tensor, t: float = 0.0) -> Tensor:
        return sum(term.grad(x, t) for term in self.terms)

    def force(self, x: Tensor, t: float = 0.0) -> Tensor:
        return sum(term.force(x, t) for term in self.terms)


class PerturbedPotential(Potential):
    """U_eff(x, t) = U_base(x, t) + s(t) U_perturb(x, t) (spec 000 §4.1); s a number or a callable of t."""

    def __init__(
        self, base: Potential, perturbation: Potential, strength: "float | Callable[[float], float]" = 1.0
    ) -> None:
        self.base, self.perturbation = base, perturbation
        self.strength = strength if callable(strength) else (lambda t, s=float(strength): s)
        self.sum = SumPotential((base, perturbation))  # for the dimension check
        self.dim = self.sum.dim
        self.name = f"{base.name} + perturbation({perturbation.name})"

    def check_state(self, x: Tensor) -> None:
        self.sum.check_state(x)

    def subset(self, rows: Tensor) -> "Potential | None":
        base, perturbation = self.base.subset(rows), self.perturbation.subset(rows)
        if base is None or perturbation is None:
            return None
        return PerturbedPotential(base, perturbation, self.strength)

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        s = self.strength(t)
        base = self.base.energy(x, t)
        return base if s == 0 else base + s * self.perturbation.energy(x, t)

    def grad(self, x: Tensor, t: float = 0.0) -> Tensor:
        s = self.strength(t)
        base = self.base.grad(x, t)
        return base if s == 0 else base + s * self.perturbation.grad(x, t)

    def force(self, x: Tensor, t: float = 0.0) -> Tensor:
        s = self.strength(t)
        base = self.base.force(x, t)
        return base if s == 0 else base + s * self.perturbation.force(x, t)


POTENTIALS = ("linear", "double-well", "mixture")
"""Names of the built-ins at the command line."""
