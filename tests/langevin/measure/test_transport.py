"""On data from a known linear transport + Gaussian model, the Lines-of-Thought fit wins held-out likelihood
(against (b) and the drift nulls); the constant-drift null recovers a constant drift."""

import numpy as np
from scipy.linalg import expm

from semphys.langevin.measure.geometry import exp_map, log_map, tangent, unit
from semphys.langevin.measure.layerfit import constant_drift_steps, fit_layer_model, random_walk_steps
from semphys.langevin.measure.steps import deterministic, score

D, LAYERS, NOISE = 12, 5, 0.02


def _lines(n: int, seed: int) -> np.ndarray:
    """Trajectories of a rotation-and-stretch transport (not a gradient flow) plus tangent noise."""
    rng = np.random.default_rng(0)
    maps = []
    for _ in range(LAYERS):
        generator = rng.normal(size=(D, D))
        maps.append(expm(0.4 * (generator - generator.T)) @ np.diag(np.linspace(1.3, 0.7, D)))
    noise = np.random.default_rng(seed)
    x = unit(noise.normal(size=(n, D)) + 2 * np.eye(D)[0])
    states = [x]
    for a in maps:
        mean = unit(x @ a.T)
        x = exp_map(x, log_map(x, mean) + np.sqrt(NOISE) * tangent(x, noise.normal(size=(n, D))))
        states.append(x)
    return np.stack(states, axis=1)


def test_transport_fit_wins_held_out_likelihood_against_langevin_and_nulls():
    train, held_out = _lines(3000, seed=1), _lines(1000, seed=2)
    transport = fit_layer_model(train, "transport", ranks=(4, 12))  # 12 = D: the complement term vanishes
    langevin = fit_layer_model(train, "langevin", ranks=(4, 11))
    lot = score(transport.steps, held_out)
    assert transport.rank == D  # the full transport is needed
    assert lot.log_likelihood > score(langevin.steps, held_out).log_likelihood + 0.05
    assert lot.log_likelihood > score(random_walk_steps(train), held_out).log_likelihood + 0.5
    assert lot.log_likelihood > score(constant_drift_steps(train), held_out).log_likelihood + 0.5
    assert abs(np.mean([s.variance for s in transport.steps]) - NOISE) < 0.1 * NOISE
    assert score(deterministic(transport.steps), held_out).log_likelihood is None


def test_the_constant_drift_null_recovers_a_constant_drift():
    from semphys.langevin.measure.steps import ConstantDrift, constant_drift

    rng = np.random.default_rng(3)
    x = unit(rng.normal(size=(20000, D)))
    truth = ConstantDrift(drift=0.1 * np.eye(D)[1], variance=NOISE)
    x_next = exp_map(x, truth.tangent_mean(x) + np.sqrt(NOISE) * tangent(x, rng.normal(size=x.shape)))
    fit = constant_drift(x, x_next)
    assert np.linalg.norm(fit.drift - truth.drift) < 0.01
    assert abs(fit.variance - NOISE) < 0.05 * NOISE
