"""The stiffness estimate against closed forms, and the refusal of an unstable step."""

import pytest
import torch

from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.potentials import DoubleWell, EnergyFunction, LinearPotential
from semphys.langevin.sde.stability import UnstableStepError, check_step, stiffness


def test_stiffness_of_the_vmf_well_is_kappa_at_its_bottom() -> None:
    # Riemannian Hessian of -kappa mu.x is kappa (mu.x) P: eigenvalue kappa at x = mu
    system = LangevinSystem(LinearPotential([0.0, 0.0, 1.0], 7.0))
    assert stiffness(system, torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64)) == pytest.approx(7.0, rel=1e-6)


def test_stiffness_finds_the_positive_curvature_next_to_a_barrier_top() -> None:
    # double well dU (1 - z^2) on S^2 at the equator: -2 dU along the axis, 0 along the equator -> 0;
    # at the pole: +2 dU in both tangent directions
    system = LangevinSystem(DoubleWell([0.0, 0.0, 1.0], 3.0))
    assert stiffness(system, torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64)) == pytest.approx(6.0, rel=1e-6)
    assert stiffness(system, torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64)) == pytest.approx(0.0, abs=1e-6)


def test_user_potentials_are_probed_on_every_particle() -> None:
    system = LangevinSystem(EnergyFunction(lambda x, t: -5.0 * x[:, 0]))
    x = torch.nn.functional.normalize(torch.randn(300, 3, dtype=torch.float64), dim=-1)
    x[0] = torch.tensor([1.0, 0.0, 0.0])
    assert stiffness(system, x, n_probe=8) == pytest.approx(5.0, rel=1e-6)


def test_step_limits_by_scheme() -> None:
    system = LangevinSystem(LinearPotential([0.0, 1.0], 10.0), friction=2.0, mass=0.5)
    x = torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    assert check_step(system, x, 0.1, "overdamped").limit == pytest.approx(2 * 2.0 / 10.0, rel=1e-6)
    assert check_step(system, x, 0.1, "underdamped").limit == pytest.approx(2 * (0.5 / 10.0) ** 0.5, rel=1e-6)


def test_an_unstable_step_is_reported_not_integrated() -> None:
    system = LangevinSystem(LinearPotential([0.0, 1.0], 10.0), friction=1.0, temperature=0.1)
    x0 = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    with pytest.raises(UnstableStepError, match=r"dt=0.5 is unstable at step 0: .* k=10, .* dt < 2 eta_min / k = 0.2"):
        simulate(system, x0, dt=0.5, n_steps=10)
    # a landscape that stiffens later is caught by the periodic check
    stiffening = LangevinSystem(
        EnergyFunction(lambda x, t: -(1 + 100 * (t > 0.5)) * x[:, 1]), friction=1.0, temperature=0.0
    )
    with pytest.raises(UnstableStepError, match="at step 10"):
        simulate(stiffening, x0, dt=0.1, n_steps=30, stability_every=10)
