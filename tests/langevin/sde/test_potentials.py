"""Potentials: closed-form gradients against autograd, per-particle parameters, user energies, errors."""

import math

import pytest
import torch

from semphys.core.errors import UserError
from semphys.langevin.sde.potentials import (
    DoubleWell,
    EnergyFunction,
    LinearPotential,
    MixtureOfWells,
    PerturbedPotential,
    autograd_grad,
)
from semphys.langevin.sde.sphere import uniform_on_sphere

X = uniform_on_sphere(6, 4, torch.Generator().manual_seed(0))
BUILT_INS = [
    LinearPotential([1.0, 2.0, 0.0, 0.0], 3.0),
    LinearPotential(torch.randn(6, 4, generator=torch.Generator().manual_seed(1)), torch.arange(6.0)),
    DoubleWell([0.0, 0.0, 0.0, 1.0], 2.0),
    MixtureOfWells(torch.eye(4)[:3], [0.5, 0.3, 0.2], kappa=5.0, scale=0.7),
    MixtureOfWells(torch.eye(4)[:3], torch.rand(6, 3, generator=torch.Generator().manual_seed(2)) + 0.1, kappa=5.0),
    PerturbedPotential(DoubleWell([0.0, 0, 0, 1], 1.0), LinearPotential([1.0, 0, 0, 0], 2.0), lambda t: 3 * t),
]


@pytest.mark.parametrize("potential", BUILT_INS, ids=lambda p: p.name)
def test_closed_form_gradient_equals_autograd(potential) -> None:
    closed = potential.grad(X, 0.5)
    auto = autograd_grad(potential.energy, X, 0.5, potential.name)
    assert torch.allclose(closed, auto, atol=1e-12)
    assert torch.allclose(potential.force(X, 0.5), -auto, atol=1e-12)


def test_energies_by_hand() -> None:
    x = torch.tensor([[0.6, 0.8]], dtype=torch.float64)
    assert LinearPotential([0.0, 1.0], 2.0).energy(x).item() == pytest.approx(-1.6)
    assert DoubleWell([1.0, 0.0], 3.0).energy(x).item() == pytest.approx(3 * (1 - 0.36))
    wells = MixtureOfWells(torch.eye(2), [0.25, 0.75], kappa=2.0, scale=0.5)
    expected = -0.5 * math.log(0.25 * math.exp(2 * (0.6 - 1)) + 0.75 * math.exp(2 * (0.8 - 1)))
    assert wells.energy(x).item() == pytest.approx(expected)


def test_well_depths_follow_the_weights() -> None:
    # at a well's centre (well separated), U ~ -scale log w_j: deeper for the heavier well
    wells = MixtureOfWells(torch.eye(3), [0.6, 0.3, 0.1], kappa=40.0, scale=1.0)
    depths = wells.energy(torch.eye(3, dtype=torch.float64))
    assert torch.allclose(depths, -torch.tensor([0.6, 0.3, 0.1], dtype=torch.float64).log(), atol=1e-6)


def test_user_energy_gets_its_gradient_by_autograd() -> None:
    potential = EnergyFunction(lambda x, t: (x[:, 0] ** 3) * (1 + t))
    grad = potential.grad(X, 1.0)
    assert torch.allclose(grad[:, 0], 6 * X[:, 0] ** 2) and (grad[:, 1:] == 0).all()


def test_subset_slices_per_particle_parameters() -> None:
    rows = torch.tensor([1, 4])
    for potential in BUILT_INS:
        part = potential.subset(rows)
        assert torch.allclose(part.grad(X[rows], 0.5), potential.grad(X, 0.5)[rows])
    assert EnergyFunction(lambda x, t: x[:, 0]).subset(rows) is None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: LinearPotential([0.0, 0.0], 1.0), "nonzero vector"),
        (lambda: LinearPotential([1.0, 0.0], -1.0), "concentration must be >= 0"),
        (lambda: LinearPotential([1.0, float("nan")], 1.0), "must be finite"),
        (lambda: DoubleWell([1.0, 0.0], 0.0), "barrier height"),
        (lambda: MixtureOfWells(torch.eye(3), [0.5, 0.5], 1.0), "one weight per centre"),
        (lambda: MixtureOfWells(torch.eye(2), [0.5, -0.5], 1.0), "must be > 0"),
        (lambda: EnergyFunction(3.0), "must be callable"),
    ],
)
def test_bad_parameters_are_user_errors(build, message: str) -> None:
    with pytest.raises(UserError, match=message):
        build()


def test_dimension_and_particle_mismatch() -> None:
    with pytest.raises(UserError, match="dimension mismatch: .* d=3 but the state has d=4"):
        LinearPotential([1.0, 0.0, 0.0], 1.0).check_state(X)
    with pytest.raises(UserError, match="per-particle values for 2 particles but the state has 6"):
        LinearPotential(torch.eye(4)[:2], 1.0).grad(X)
    with pytest.raises(UserError, match="one energy per particle"):
        EnergyFunction(lambda x, t: x.sum()).grad(X)
