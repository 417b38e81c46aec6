"""One step of the spec 000 §4.1 equation on the sphere: g-BAOAB (underdamped) and projected
Euler-Maruyama (overdamped, spec 000 §4.2).

Underdamped, g-BAOAB (Leimkuhler & Matthews 2016, "Efficient molecular dynamics using geodesic
integration and solvent-solute splitting", Proc. R. Soc. A 472): with P = I - x x^T,

    B  v <- v + (h / 2m) P F(x, t)
    A  (x, v) <- exact geodesic flow for h/2 (`sphere.geodesic_flow`)
    O  v <- c v + sqrt((1 - c^2) T / m) P xi,   c = exp(-eta(x) h / m)
    A  (x, v) <- geodesic flow for h/2
    B  v <- v + (h / 2m) P F(x, t + h)

The geodesic step keeps |x| = 1 and x . v = 0 to rounding; the O-step samples the tangent Maxwell
distribution exactly for any eta(x), so no correction is needed for position-dependent friction.
The constraint force is lambda = -(m |v|^2 + x . F) (dot the equation of motion with x).

Overdamped, projected (geodesic) Euler-Maruyama with D(x) = T / eta(x):

    delta = P [ (F / eta + grad D) h + sqrt(2 D h) xi ],   x <- (x + delta) / |x + delta|

i.e. the Euler-Maruyama step taken in the tangent space and projected back onto the sphere
(`retraction="exponential"` follows the great circle instead). The projection supplies the Ito
curvature drift -(d-1) D x of Brownian motion on the sphere. `retraction="extrinsic"` is instead
Euler-Maruyama on the ambient Ito SDE dy = P(x)(F / eta + grad D) dt - (d-1) D x dt + sqrt(2D) P(x) dW
with x = y / |y| (the curvature drift explicit, the radius |y| carried from step to step and only
the direction read): the same cost, and a stationary bias 5-50x smaller than `normalize` in the
runs below.
The term + P grad D (= -T P grad eta / eta^2) is the "spurious drift" of a position-dependent
diffusion coefficient (Lau & Lubensky 2007, Phys. Rev. E 76, 011123): with it the stationary
density is exp(-U / T) for any eta(x); without it (`ito_correction=False`, kept only to show the
failure) it is eta(x) exp(-U / T). Weak order 1. Here lambda = -(x . F) - (d - 1) T, the m -> 0
limit of the underdamped value at equilibrium.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.sphere import dot, gaussian_noise, geodesic_flow, project_tangent, rademacher_noise

SCHEMES = ("overdamped", "underdamped")
RETRACTIONS = ("normalize", "exponential", "extrinsic")


@dataclass
class StepInfo:
    """What one step measured, beyond the new state (all [n] unless said)."""

    finite: Tensor
    """Per particle: True when the new state is finite."""
    constraint_drift: Tensor | None = None
    """| |x|^2 - 1 | produced by the step before re-normalisation (underdamped: the geodesic step)."""
    tangent_error: Tensor | None = None
    """| x . v | after the step before re-projection (underdamped)."""
    lambda_: Tensor | None = None
    """The constraint multiplier lambda per particle (when asked for)."""
    radius: Tensor | None = None
    """[n, 1] `extrinsic` retraction: |y| of the ambient state after the step (carry it to the next)."""


def overdamped_step(
    system: LangevinSystem,
    x: Tensor,
    t: float,
    dt: float,
    generator: torch.Generator | None,
    ito_correction: bool = True,
    force: Tensor | None = None,
    want_lambda: bool = False,
    retraction: str = "normalize",
    noise: str = "gaussian",
    radius: Tensor | None = None,
) -> tuple[Tensor, Tensor, StepInfo]:
    """Euler-Maruyama step in the tangent space from (x, t) to t + dt. Returns (x_new, force at x, info).

    x: [n, d] on the sphere (not modified). The tangent step delta is mapped back to the sphere by
    `retraction`: `normalize` (default, the projected scheme) takes (x + delta) / |x + delta|;
    `exponential` follows the great circle, x cos|delta| + delta sin|delta| / |delta|. Both have weak
    order 1 with biases of opposite sign: normalising shortens the step (angle atan|delta| < |delta|),
    which partly offsets Euler's variance inflation; on the vMF check in d = 64 (beta kappa = 64,
    dt = 0.005) the stationary E[mu . x] was off by +0.0016 (normalize) and -0.0044 (exponential).
    `extrinsic` steps the ambient point y = radius * x by P delta - (d-1) D dt x and returns its
    direction, with the new radius in `info.radius` (pass it back in; None: radius 1). Its bias on
    the same check: -0.00005 (dt = 0.005) and +0.0003 (dt = 0.01) against +0.0017 and +0.0036 for
    normalize; in d = 3 (beta kappa = 2, dt = 0.02) +0.0003 against +0.011 (3 seeds x 4096 particles).
    noise: `gaussian` (default) or `rademacher` (two-point increments, `sphere.rademacher_noise`:
    weak order 1 still, a different O(dt) bias constant, about 4x cheaper to draw).
    The new state is written into the step's fresh noise tensor: one [n, d] allocation, about
    six passes over memory.
    """
    draw = rademacher_noise if noise == "rademacher" else gaussian_noise
    temperature = system.temperature_at(t)
    if force is None:
        force = system.force(x, t)
    friction = system.friction_model
    if friction.constant:
        eta = friction.eta
        delta = draw(x.shape, generator, x, std=math.sqrt(2 * temperature * dt / eta))
        delta = delta.add_(force, alpha=dt / eta)
    else:
        eta = friction.value(x)  # [n, 1]
        drift = force / eta
        if ito_correction and temperature > 0:
            drift = drift - (temperature / eta**2) * friction.grad(x)  # + grad D, D = T / eta
        delta = draw(x.shape, generator, x).mul_(torch.sqrt((2 * temperature * dt) / eta))
        delta = delta.add_(drift, alpha=dt)
    along = dot(x, delta)  # P delta = delta - (x . delta) x
    if retraction == "exponential":
        delta = delta.addcmul_(x, along, value=-1)
        length = torch.linalg.vector_norm(delta, dim=-1, keepdim=True)
        info = StepInfo(finite=torch.isfinite(length[:, 0]))
        new = delta.mul_(torch.sinc(length / torch.pi)).addcmul_(x, torch.cos(length))
    elif retraction in ("normalize", "extrinsic"):
        # the ambient point y = a x + P delta, then its direction: a = 1 (normalize), or the carried
        # radius less the curvature drift (d - 1) D dt (extrinsic; D = T / eta, scalar or [n, 1])
        extrinsic = retraction == "extrinsic"
        start = 1.0
        if extrinsic:
            start = (1.0 if radius is None else radius) - (x.shape[1] - 1) * dt * (temperature / eta)
        y = delta.addcmul_(x, start - along)  # in one pass
        norm = torch.linalg.vector_norm(y, dim=-1, keepdim=True)
        info = StepInfo(finite=torch.isfinite(norm[:, 0]), radius=norm if extrinsic else None)
        new = y.div_(norm)
    else:
        raise UserError(f"unknown retraction {retraction!r}; choose from {', '.join(RETRACTIONS)}")
    if want_lambda:
        info.lambda_ = -(dot(x, force)[:, 0]) - (x.shape[1] - 1) * temperature
    return new, force, info


def underdamped_step(
    system: LangevinSystem,
    x: Tensor,
    v: Tensor,
    force: Tensor,
    t: float,
    dt: float,
    generator: torch.Generator | None,
    want_lambda: bool = False,
) -> tuple[Tensor, Tensor, Tensor, StepInfo]:
    """g-BAOAB step from (x, v, F(x, t)) to t + dt. Returns (x, v, F(x, t + dt), info).

    x, v: [n, d], x on the sphere, v tangent (neither is modified).
    """
    mass = system.mass_at(t)
    temperature = system.temperature_at(t)
    half = dt / 2
    v = v + (half / mass) * project_tangent(x, force)  # B
    x, v = geodesic_flow(x, v, half)  # A
    eta = system.friction_model.value(x)  # O
    c = torch.exp(-eta * (dt / mass))
    noise = gaussian_noise(x.shape, generator, x)
    v = c * v + torch.sqrt((1 - c**2) * (temperature / mass)) * project_tangent(x, noise)
    x, v = geodesic_flow(x, v, half)  # A
    norm2 = dot(x, x)
    drift = (norm2[:, 0] - 1).abs()
    x = x / norm2.sqrt()
    tangent = dot(x, v)
    v = v - tangent * x
    force = system.force(x, t + dt)
    v = v + (half / mass) * project_tangent(x, force)  # B
    info = StepInfo(
        finite=torch.isfinite(norm2[:, 0]) & torch.isfinite(v).all(dim=-1),
        constraint_drift=drift,
        tangent_error=tangent[:, 0].abs(),
    )
    if want_lambda:
        info.lambda_ = -(system.mass_at(t + dt) * dot(v, v)[:, 0] + dot(x, force)[:, 0])
    return x, v, force, info
