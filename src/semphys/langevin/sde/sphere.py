"""Geometry of the unit sphere S^(d-1) in R^d: tangent projection, the exact geodesic flow, starts.

Spec 000 §4.1 confines the inference particle to |x| = 1; the constraint force lambda x of the equation
of motion is what these operations implement. Every function works on a batch of particles,
`x: [n_particles, d]`, one row per particle, with no Python loop over particles.
"""

import math
import warnings

import torch
from torch import Tensor

from semphys.core.errors import UserError

UNIT_TOLERANCE = 1e-6
"""A start vector whose |x| differs from 1 by more than this is normalised with a warning."""


class NonUnitStartWarning(UserWarning):
    """Start vectors were not on the unit sphere and have been normalised."""


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Row-wise inner product: [n, d], [n, d] (or [d]) -> [n, 1].

    Written as a batched matrix product: on CPU that is several times faster than
    `(a * b).sum(-1)` when d is small.
    """
    if b.ndim == 1:
        return (a @ b).unsqueeze(-1)
    if b.ndim == 2 and b.stride(0) == 0:  # a broadcast row (a constant force): one matrix-vector product
        return (a @ b[0]).unsqueeze(-1)
    if a.shape == b.shape and a.ndim == 2:
        return torch.bmm(a.unsqueeze(1), b.unsqueeze(2)).view(-1, 1)
    return (a * b).sum(dim=-1, keepdim=True)


def gaussian_noise(shape: torch.Size, generator: torch.Generator | None, like: Tensor, std: float = 1.0) -> Tensor:
    """Normal draws N(0, std^2) of `shape` in `like`'s dtype (the scaling happens inside the sampler).

    Drawn in float32 and cast for float64 states: torch's float64 normal sampler is about four
    times slower on CPU, and float32 draws are exact for our purposes (the Box-Muller tails are cut
    at about 5.8 sigma, a probability of about 1e-8 per draw).
    """
    noise = torch.empty(shape, dtype=torch.float32, device=like.device).normal_(0.0, std, generator=generator)
    return noise if like.dtype == torch.float32 else noise.to(like.dtype)


def project_tangent(x: Tensor, v: Tensor) -> Tensor:
    """P(x) v = v - (x . v) x: the component of `v` tangent to the sphere at `x`. [n, d] -> [n, d]."""
    return v - dot(x, v) * x


def geodesic_flow(x: Tensor, v: Tensor, tau: float) -> tuple[Tensor, Tensor]:
    """Follow the great circle through `x` with tangent velocity `v` for a time `tau`, exactly.

    x <- x cos(|v| tau) + (v / |v|) sin(|v| tau),  v <- -x |v| sin(|v| tau) + v cos(|v| tau)
    (the A-step of g-BAOAB, Leimkuhler & Matthews 2016, for the sphere). Written with
    sin(s tau)/s = tau sinc(s tau / pi) so that a particle at rest (|v| = 0) stays put.
    x, v: [n, d] with x . v = 0; returns the new (x, v).
    """
    speed = torch.linalg.vector_norm(v, dim=-1, keepdim=True)
    angle = speed * tau
    cos, sin = torch.cos(angle), torch.sin(angle)
    new_x = x * cos + v * (tau * torch.sinc(angle / torch.pi))
    new_v = v * cos - x * (speed * sin)
    return new_x, new_v


def uniform_on_sphere(
    n: int, d: int, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64
) -> Tensor:
    """`n` points drawn uniformly from S^(d-1) (normalised Gaussians). [n, d]."""
    return torch.nn.functional.normalize(torch.randn(n, d, generator=generator, dtype=dtype), dim=-1)


def as_unit_start(x: Tensor, what: str = "start vector") -> Tensor:
    """Check start positions `[n, d]` and return them on the unit sphere.

    Policy (documented in the package docstring): a non-finite or zero row is rejected with a
    `UserError` naming the row; rows whose norm differs from 1 by more than `UNIT_TOLERANCE` are
    normalised with a `NonUnitStartWarning` (the direction is kept, the length is not physics).
    """
    if x.ndim != 2:
        raise UserError(f"{what} must have shape [n_particles, d], got {list(x.shape)}")
    if x.shape[1] < 2:
        raise UserError(f"{what}: dimension d={x.shape[1]} is too small; the sphere S^(d-1) needs d >= 2")
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    finite = torch.isfinite(x).all(dim=-1)
    if not finite.all():
        row = int((~finite).nonzero()[0])
        raise UserError(f"{what} row {row} is not finite; give finite coordinates")
    norms = x.norm(dim=-1)
    if (norms == 0).any():
        row = int((norms == 0).nonzero()[0])
        raise UserError(f"{what} row {row} is the zero vector, which has no direction; give a nonzero vector")
    off = (norms - 1).abs() > UNIT_TOLERANCE
    if off.any():
        worst = float((norms - 1).abs().max())
        warnings.warn(
            f"{int(off.sum())} {what}(s) not of unit length (largest | |x| - 1 | = {worst:.3g}); "
            "normalised onto the sphere",
            NonUnitStartWarning,
            stacklevel=3,
        )
    return x / norms[:, None]


NOISES = ("gaussian", "rademacher")
_SIGNS = torch.tensor([[1.0 if (byte >> bit) & 1 else -1.0 for bit in range(8)] for byte in range(256)])


def rademacher_noise(shape: torch.Size, generator: torch.Generator | None, like: Tensor, std: float = 1.0) -> Tensor:
    """Independent +-std signs of `shape` (mean 0, variance std^2) in `like`'s dtype.

    The two-point increments of the "simplified weak Euler scheme" (Kloeden & Platen 1992, 14.1):
    they match the Gaussian's first two moments (and odd third), which is all weak order 1 needs,
    but not its fourth, so the O(dt) bias constant differs. One random byte gives eight signs
    (a table lookup), about 4x cheaper than torch's normal sampler on CPU. The last dimension
    must be a multiple of 8.
    """
    count = math.prod(shape)
    if count % 8:
        raise UserError(f"Rademacher noise needs a multiple of 8 values per draw, got {count}")
    index = torch.randint(0, 256, (count // 8,), generator=generator, device=like.device)
    signs = torch.nn.functional.embedding(index, _SIGNS.to(dtype=like.dtype, device=like.device))
    signs = signs.view(shape)
    return signs if std == 1.0 else signs.mul_(std)
