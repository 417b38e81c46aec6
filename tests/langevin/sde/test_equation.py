"""The equation's terms: validation of numbers, the force with an external term."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.potentials import LinearPotential

X = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)


def test_force_adds_the_external_force() -> None:
    system = LangevinSystem(LinearPotential([1.0, 0.0], 2.0), external_force=lambda x, t: torch.tensor([0.0, t]))
    assert torch.allclose(system.force(X, 3.0), torch.tensor([[2.0, 3.0], [2.0, 3.0]], dtype=torch.float64))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mass": 0.0}, "mass m = 0.0 is not allowed"),
        ({"mass": -1.0}, "mass must be finite and > 0"),
        ({"temperature": -0.5}, "temperature = -0.5 is not allowed"),
        ({"friction": -2.0}, "viscosity eta = -2.0 is not allowed"),
    ],
)
def test_bad_terms_are_user_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        LangevinSystem(LinearPotential([1.0, 0.0], 1.0), **kwargs)


def test_time_dependent_terms_are_checked_when_used() -> None:
    system = LangevinSystem(LinearPotential([1.0, 0.0], 1.0), mass=lambda t: 1 - t, temperature=lambda t: 1 - t)
    assert system.mass_at(0.5) == 0.5
    with pytest.raises(UserError, match=r"mass m\(2\) = -1.0"):
        system.mass_at(2.0)
    with pytest.raises(UserError, match=r"temperature T\(2\) = -1.0"):
        system.temperature_at(2.0)


def test_external_force_shape_is_checked() -> None:
    system = LangevinSystem(LinearPotential([1.0, 0.0], 1.0), external_force=lambda x, t: torch.zeros(3))
    with pytest.raises(UserError, match="external force must have shape"):
        system.force(X, 0.0)
