"""Kramers-Moyal recovery of a known overdamped Langevin process on S^(d-1), simulated by langevin.engine."""

import numpy as np
import pytest
import torch

from semphys.langevin.measure.ensembles import LayeredQuadratic, simulate_ensemble, system_of
from semphys.langevin.measure.kramers_moyal import SphereDrift, fit_sphere_langevin, subspace_basis
from semphys.langevin.measure.steps import RandomWalk
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.integration import IntegrationConfig

D, DT, TEMPERATURE = 6, 0.05, 0.5


def _truth() -> SphereDrift:
    basis = np.linalg.qr(np.random.default_rng(1).normal(size=(D, 3)))[0]
    coupling = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, -0.5]])
    return SphereDrift(
        basis=basis, coupling=coupling, field=np.array([0.4, -0.2, 0.1]), variance=2 * TEMPERATURE * DT, dt=DT
    )


def _one_step(truth: SphereDrift, n: int = 40000) -> tuple[np.ndarray, np.ndarray]:
    x0 = np.random.default_rng(2).normal(size=(n, D))
    x0 /= np.linalg.norm(x0, axis=1, keepdims=True)
    system = LangevinSystem(LayeredQuadratic([truth]), temperature=TEMPERATURE)
    config = IntegrationConfig(dt=DT, n_steps=1, retraction="exponential", record_every=1, check_stability=False)
    trajectory = simulate(system, torch.as_tensor(x0), config)
    return x0, trajectory.x.numpy()


def test_recovers_drift_and_temperature_of_a_known_process():
    truth = _truth()
    x, x_next = _one_step(truth)
    fit = fit_sphere_langevin(x, x_next, truth.basis, dt=DT)
    assert np.linalg.norm(fit.coupling - truth.coupling) / np.linalg.norm(truth.coupling) < 0.1
    assert np.linalg.norm(fit.field - truth.field) < 0.1
    assert fit.temperature == pytest.approx(TEMPERATURE, rel=0.03)
    assert fit.relaxation_times() == pytest.approx(truth.relaxation_times(), rel=0.15)


def test_in_the_full_space_the_hessian_is_found_up_to_a_multiple_of_the_identity():
    # on the sphere x.x = 1, so U and U + c |x|^2 / 2 have the same tangent drift: only K - c I is identifiable
    truth = _truth()
    x, x_next = _one_step(truth)
    basis = subspace_basis(x, x_next, D)
    fit = fit_sphere_langevin(x, x_next, basis, dt=DT)
    rotated = basis.T @ truth.basis @ truth.coupling @ truth.basis.T @ basis
    difference = fit.coupling - rotated
    shift = np.trace(difference) / D
    # 27 parameters from 40,000 steps: sampling error about 0.1 of the norm; a sign or scale error gives > 1
    assert np.linalg.norm(difference - shift * np.eye(D)) / np.linalg.norm(truth.coupling) < 0.15


def test_a_pure_random_walk_has_no_drift():
    truth = SphereDrift(
        basis=_truth().basis, coupling=np.zeros((3, 3)), field=np.zeros(3), variance=2 * TEMPERATURE * DT, dt=DT
    )
    x, x_next = _one_step(truth)
    fit = fit_sphere_langevin(x, x_next, truth.basis, dt=DT)
    assert np.abs(fit.coupling).max() < 0.25 and np.abs(fit.field).max() < 0.1
    assert fit.temperature == pytest.approx(TEMPERATURE, rel=0.03)


def test_potential_and_external_force_routes_simulate_the_same_paths():
    truth = SphereDrift(basis=_truth().basis, coupling=_truth().coupling, field=_truth().field, variance=0.01)
    steps = [truth, truth]
    x0 = np.random.default_rng(3).normal(size=(64, D))
    by_potential = simulate_ensemble(steps, x0, seed=5)
    walk = [RandomWalk(0.01), RandomWalk(0.01)]
    assert isinstance(system_of(walk, D).external_force, type(lambda: 0))
    mixed = simulate_ensemble([truth, _AsForce(truth)], x0, seed=5)  # the external-force route
    assert np.allclose(by_potential, mixed, atol=1e-10)


class _AsForce:
    """The same step, hidden from the potential route (not a SphereDrift)."""

    def __init__(self, step: SphereDrift) -> None:
        self.step, self.variance = step, step.variance

    def tangent_mean(self, x):
        return self.step.tangent_mean(x)
