"""One step of each scheme against a hand computation; the spurious drift term; energy conservation."""

import math

import pytest
import torch

from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.friction import ExponentialFriction
from semphys.langevin.sde.integrators import overdamped_step, underdamped_step
from semphys.langevin.sde.potentials import DoubleWell, LinearPotential
from semphys.langevin.sde.sphere import dot, project_tangent


def test_overdamped_step_at_zero_temperature_by_hand() -> None:
    # x = e1 on S^1 pulled towards e2 with force kappa e2: delta = (dt / eta) kappa e2
    system = LangevinSystem(LinearPotential([0.0, 1.0], 2.0), friction=4.0, temperature=0.0)
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    new, _, info = overdamped_step(system, x, 0.0, 0.1, torch.Generator().manual_seed(0))
    step = 0.1 / 4.0 * 2.0
    assert torch.allclose(new, torch.tensor([[1.0, step]], dtype=torch.float64) / math.hypot(1, step))
    new_exp, _, _ = overdamped_step(system, x, 0.0, 0.1, None, retraction="exponential")
    assert torch.allclose(new_exp, torch.tensor([[math.cos(step), math.sin(step)]], dtype=torch.float64))
    assert info.finite.all() and torch.equal(x, torch.tensor([[1.0, 0.0]], dtype=torch.float64))


def test_extrinsic_step_moves_the_ambient_point_by_hand() -> None:
    # T = 0, radius r = 2: y = r x + P delta (the curvature drift -(d-1) D dt x vanishes with D = 0)
    system = LangevinSystem(LinearPotential([0.0, 1.0], 2.0), friction=4.0, temperature=0.0)
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    step = 0.1 / 4.0 * 2.0
    new, _, info = overdamped_step(
        system, x, 0.0, 0.1, None, retraction="extrinsic", radius=torch.tensor([[2.0]], dtype=torch.float64)
    )
    assert torch.allclose(new, torch.tensor([[2.0, step]], dtype=torch.float64) / math.hypot(2, step))
    assert torch.allclose(info.radius, torch.tensor([[math.hypot(2, step)]], dtype=torch.float64))
    # with noise the radial part is r - (d-1) D dt: the mean of |y| over many draws from r = 1
    hot = LangevinSystem(LinearPotential([0.0, 1.0], 0.0), friction=2.0, temperature=0.5)
    many = x.expand(200_000, 2).clone()
    _, _, info = overdamped_step(hot, many, 0.0, 0.01, torch.Generator().manual_seed(0), retraction="extrinsic")
    radial = 1 - (2 - 1) * (0.5 / 2.0) * 0.01
    assert float((info.radius**2).mean()) == pytest.approx(radial**2 + 2 * (0.5 / 2.0) * 0.01, rel=1e-3)


def test_spurious_drift_is_minus_T_grad_eta_over_eta_squared() -> None:
    # flat potential, eta = exp(a x2) (eta = 1 at x = e1): the spurious drift is + P grad D = -T a e2.
    # The same noise with and without the term isolates it exactly.
    a, temperature, dt = 0.8, 0.5, 1e-3
    system = LangevinSystem(
        LinearPotential([1.0, 0.0], 0.0), friction=ExponentialFriction(1.0, [0.0, 1.0], a), temperature=temperature
    )
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64).expand(1000, 2).clone()
    new, _, _ = overdamped_step(system, x, 0.0, dt, torch.Generator().manual_seed(0))
    plain, _, _ = overdamped_step(system, x, 0.0, dt, torch.Generator().manual_seed(0), ito_correction=False)
    # tan(angle) is the tangent displacement before normalisation
    shift = (new[:, 1] / new[:, 0] - plain[:, 1] / plain[:, 0]) / dt
    assert torch.allclose(shift, torch.full_like(shift, -temperature * a), atol=1e-12)


def test_underdamped_step_conserves_energy_without_friction_or_noise() -> None:
    # T = 0 and tiny friction: BAOAB is symplectic, the energy error stays O(dt^2) and bounded
    system = LangevinSystem(DoubleWell([0.0, 0.0, 1.0], 1.0), friction=1e-12, mass=1.0, temperature=0.0)
    x = torch.nn.functional.normalize(torch.tensor([[1.0, 0.2, 0.5]], dtype=torch.float64), dim=-1)
    v = project_tangent(x, torch.tensor([[0.0, 1.0, 0.3]], dtype=torch.float64))
    force = system.force(x, 0.0)

    def energy(x, v):
        return float(system.potential.energy(x) + 0.5 * (v * v).sum(-1))

    start = energy(x, v)
    worst = 0.0
    for _ in range(2000):
        x, v, force, info = underdamped_step(system, x, v, force, 0.0, 0.01, None)
        worst = max(worst, abs(energy(x, v) - start))
    assert worst < 1e-3
    assert float(info.constraint_drift.max()) < 1e-14 and float(dot(x, v).abs().max()) < 1e-14


def test_lambda_is_the_constraint_force() -> None:
    system = LangevinSystem(LinearPotential([0.0, 1.0], 2.0), mass=2.0, temperature=0.0, friction=1.0)
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    v = torch.tensor([[0.0, 0.5]], dtype=torch.float64)
    x2, v2, force, info = underdamped_step(system, x, v, system.force(x, 0.0), 0.0, 1e-4, None, want_lambda=True)
    expected = -(2.0 * float((v2 * v2).sum()) + float((x2 * force).sum()))
    assert float(info.lambda_[0]) == expected
