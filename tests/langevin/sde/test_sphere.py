"""Sphere geometry: projection, the exact geodesic flow (against a hand rotation), the start policy."""

import math
import warnings

import pytest
import torch

from semphys.core.errors import UserError
from semphys.langevin.sde.sphere import (
    NonUnitStartWarning,
    as_unit_start,
    dot,
    gaussian_noise,
    geodesic_flow,
    project_tangent,
    uniform_on_sphere,
)


def test_dot_matches_sum_for_every_layout() -> None:
    a, b = torch.randn(5, 4, dtype=torch.float64), torch.randn(5, 4, dtype=torch.float64)
    expected = (a * b).sum(-1, keepdim=True)
    assert torch.allclose(dot(a, b), expected)
    assert torch.allclose(dot(a, b[0]), (a * b[0]).sum(-1, keepdim=True))
    assert torch.allclose(dot(a, b[:1].expand(5, 4)), (a * b[0]).sum(-1, keepdim=True))


def test_projection_removes_the_normal_component() -> None:
    x = uniform_on_sphere(10, 5, torch.Generator().manual_seed(0))
    v = project_tangent(x, torch.randn(10, 5, dtype=torch.float64))
    assert dot(x, v).abs().max() < 1e-14


def test_geodesic_flow_is_a_rotation_on_the_circle() -> None:
    # x = e1, v = omega e2: after time tau the particle is at angle omega tau, velocity rotated with it
    omega, tau = 1.7, 0.9
    x, v = geodesic_flow(
        torch.tensor([[1.0, 0.0]], dtype=torch.float64), torch.tensor([[0.0, omega]], dtype=torch.float64), tau
    )
    angle = omega * tau
    assert torch.allclose(x, torch.tensor([[math.cos(angle), math.sin(angle)]], dtype=torch.float64))
    assert torch.allclose(v, omega * torch.tensor([[-math.sin(angle), math.cos(angle)]], dtype=torch.float64))


def test_geodesic_flow_keeps_the_constraint_and_rest() -> None:
    x = uniform_on_sphere(100, 7, torch.Generator().manual_seed(1))
    v = project_tangent(x, 3 * torch.randn(100, 7, dtype=torch.float64))
    v[0] = 0
    x2, v2 = geodesic_flow(x, v, 0.37)
    assert ((x2 * x2).sum(-1) - 1).abs().max() < 1e-14
    assert dot(x2, v2).abs().max() < 1e-13
    assert torch.allclose(v2.norm(dim=-1), v.norm(dim=-1))  # speed is conserved along a geodesic
    assert torch.equal(x2[0], x[0])


def test_non_unit_start_is_normalised_with_a_warning() -> None:
    with pytest.warns(NonUnitStartWarning, match="normalised"):
        x = as_unit_start(torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
    assert torch.allclose(x, torch.tensor([[0.6, 0.8], [0.0, 1.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_unit_start(torch.tensor([[0.6, 0.8]]))  # unit: no warning


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (torch.tensor([[0.0, 0.0]]), "row 0 is the zero vector"),
        (torch.tensor([[1.0, 0.0], [float("nan"), 1.0]]), "row 1 is not finite"),
        (torch.tensor([1.0, 0.0]), r"shape \[n_particles, d\]"),
        (torch.tensor([[1.0]]), "d >= 2"),
    ],
)
def test_bad_starts_are_rejected(start: torch.Tensor, message: str) -> None:
    with pytest.raises(UserError, match=message):
        as_unit_start(start)


def test_noise_is_standard_normal_in_the_states_dtype() -> None:
    like = torch.zeros(1, dtype=torch.float64)
    noise = gaussian_noise(torch.Size([200_000]), torch.Generator().manual_seed(0), like, std=2.0)
    assert noise.dtype == torch.float64
    assert abs(float(noise.mean())) < 0.02 and abs(float(noise.std()) - 2.0) < 0.02
