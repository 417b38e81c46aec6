"""Friction: closed-form gradients against autograd, user callables, errors."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.langevin.sde.friction import ConstantFriction, ExponentialFriction, FrictionFunction, as_friction
from semphys.langevin.sde.sphere import uniform_on_sphere

X = uniform_on_sphere(5, 3, torch.Generator().manual_seed(0))


def test_exponential_friction_value_and_gradient() -> None:
    friction = ExponentialFriction(2.0, [0.0, 0.0, 1.0], 1.5)
    assert torch.allclose(friction.value(X)[:, 0], 2.0 * torch.exp(1.5 * X[:, 2]))
    auto = FrictionFunction(lambda x: friction.value(x)[:, 0]).grad(X)
    assert torch.allclose(friction.grad(X), auto)
    assert friction.minimum(X) == pytest.approx(float(friction.value(X).min()))


def test_constant_friction() -> None:
    friction = as_friction(0.5)
    assert friction.constant and friction.minimum(X) == 0.5
    assert (friction.grad(X) == 0).all() and (friction.value(X) == 0.5).all()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ConstantFriction(-1.0), "must be finite and > 0"),
        (lambda: ConstantFriction(0.0), "must be finite and > 0"),
        (lambda: ExponentialFriction(-1.0, [1.0, 0.0], 1.0), "must be finite and > 0"),
        (lambda: FrictionFunction("eta"), "must be callable"),
    ],
)
def test_bad_friction_is_a_user_error(build, message: str) -> None:
    with pytest.raises(UserError, match=message):
        build()


def test_user_friction_must_return_one_value_per_particle() -> None:
    with pytest.raises(UserError, match="one value per particle"):
        FrictionFunction(lambda x: x).value(X)
