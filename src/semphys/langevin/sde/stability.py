"""Is the step size stable? The stiffness of the landscape and the step limits it implies.

An explicit scheme on a sphere does not blow up when the step is too large: normalisation keeps
|x| = 1 and the particle just jumps about, which looks like a plausible trajectory and is nonsense.
So the engine measures the stiffness k (the largest eigenvalue of the Riemannian Hessian of U_eff
over the particles) and refuses a step size beyond the linear stability limit:

    overdamped Euler (relaxation rate k / eta):      dt < 2 eta_min / k
    underdamped BAOAB (frequency omega = sqrt(k/m)): dt < 2 / omega = 2 sqrt(m / k)

The Riemannian Hessian applied to a tangent vector u is P(grad^2 U u) - (x . grad U) u; in terms
of the force F = -grad U (which includes F_ext) it is -P J_F u + (x . F) u. J_F u is taken by
central differences in float64 and the top eigenvalue by batched power iteration (shifted when the
dominant eigenvalue is negative, e.g. on a barrier top), so any potential works, closed-form or not.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.sphere import dot, project_tangent


class UnstableStepError(UserError):
    """The step size exceeds the stability limit of the scheme for this landscape."""


@dataclass(frozen=True)
class StepCheck:
    """The stiffness measured at some particles and the step limit it implies."""

    stiffness: float
    """Largest eigenvalue of the Riemannian Hessian of U_eff over the probed particles (>= 0)."""
    limit: float
    """The largest stable dt (inf when the landscape is flat or concave)."""
    dt: float
    scheme: str

    @property
    def stable(self) -> bool:
        return self.dt < self.limit


def _hessian_vector(system: LangevinSystem, x: Tensor, u: Tensor, t: float, eps: float) -> Tensor:
    force = system.force(x, t)
    jf = (system.force(x + eps * u, t) - system.force(x - eps * u, t)) / (2 * eps)
    return -project_tangent(x, jf) + dot(x, force) * u


def stiffness(
    system: LangevinSystem,
    x: Tensor,
    t: float = 0.0,
    n_probe: int = 64,
    iterations: int = 25,
    generator: torch.Generator | None = None,
) -> float:
    """Top eigenvalue of the Riemannian Hessian of U_eff, maximised over up to `n_probe` particles of x.

    Returns max(lambda_max, 0). x: [n, d] on the sphere. Every particle is probed when the system
    cannot be restricted to a subset (`LangevinSystem.subset` is None: user-supplied terms).
    generator: the random start of the power iteration; None uses a fixed seed (0), so that the
    stiffness recorded in a run's summary is the same in every run with the same seed.
    """
    if generator is None:
        generator = torch.Generator().manual_seed(0)
    idx = torch.linspace(0, x.shape[0] - 1, min(n_probe, x.shape[0])).round().long()
    restricted = system.subset(idx) if len(idx) < x.shape[0] else system
    if restricted is None:
        idx = torch.arange(x.shape[0])
    else:
        system = restricted
    probe = x[idx].detach().to(torch.float64)
    eps = 1e-5
    u = project_tangent(probe, torch.randn(probe.shape, generator=generator, dtype=torch.float64))
    u = torch.nn.functional.normalize(u, dim=-1)
    shift = torch.zeros(probe.shape[0], 1, dtype=torch.float64)
    rayleigh = torch.zeros_like(shift)
    for phase in range(2):
        for _ in range(iterations):
            w = _hessian_vector(system, probe, u, t, eps) + shift * u
            rayleigh = dot(u, w)
            w = project_tangent(probe, w)
            norm = w.norm(dim=-1, keepdim=True)
            u = torch.where(norm > 0, w / norm.clamp_min(1e-300), u)
        if phase == 0:
            # where the dominant eigenvalue is negative, shift it to find the largest (positive) one
            shift = torch.where(rayleigh < 0, -rayleigh, torch.zeros_like(rayleigh))
            if not (shift > 0).any():
                break
    top = (rayleigh - shift)[:, 0]
    top = top[torch.isfinite(top)]
    return max(float(top.max()), 0.0) if top.numel() else 0.0


def check_step(
    system: LangevinSystem, x: Tensor, dt: float, scheme: str, t: float = 0.0, n_probe: int = 64
) -> StepCheck:
    """Measure the stiffness at x and compare dt with the scheme's stability limit."""
    k = stiffness(system, x, t, n_probe=n_probe)
    if k <= 0:
        limit = math.inf
    elif scheme == "overdamped":
        limit = 2 * system.friction_model.minimum(x) / k
    else:
        limit = 2 * math.sqrt(system.mass_at(t) / k)
    return StepCheck(stiffness=k, limit=limit, dt=dt, scheme=scheme)


def require_stable(check: StepCheck, step: int) -> None:
    """Raise `UnstableStepError` with the numbers when the step is not stable."""
    if not check.stable:
        rule = "2 sqrt(m / k)" if check.scheme == "underdamped" else "2 eta_min / k"
        raise UnstableStepError(
            f"step size dt={check.dt:g} is unstable at step {step}: the landscape's stiffness is k={check.stiffness:.4g}, "
            f"and the {check.scheme} scheme needs dt < {rule} = {check.limit:.4g}; use dt <= {0.5 * check.limit:.3g}"
        )
