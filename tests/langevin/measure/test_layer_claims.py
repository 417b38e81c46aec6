"""The layer clock's claims on processes simulated by `semphys.langevin`, through the real fits and the one rule.

Known negatives: a time-homogeneous Langevin process fails "depends on its layer"; a pure random walk
fails the drift rows; a process without noise fails the noise row (dispersion against (b) without
noise). Known positives: a layer-dependent process with drift and noise passes them.
"""

import dataclasses

import numpy as np
import pytest

from semphys.evidence import check_claims, decide
from semphys.langevin.measure.ensembles import simulate_ensemble
from semphys.langevin.measure.kramers_moyal import SphereDrift
from semphys.langevin.measure.layer_time import LayerTimeConfig, layer_section
from semphys.langevin.measure.verdict import layer_claims

D, LAYERS, N_TRAIN, N_HELD = 8, 5, 400, 200
CONFIG = LayerTimeConfig(ranks=(2, 4, 8), bootstrap_draws=200, permutation_draws=199, ensemble_pairs=1000)


def _landscape(seed: int, strength: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(D, 3)))[0]
    a = rng.normal(size=(3, 3))
    return basis, strength * (a + a.T) / 2, strength * rng.normal(size=3) * 0.5


def _process(landscapes: list, variance: float) -> list[SphereDrift]:
    return [SphereDrift(basis=b, coupling=k, field=f, variance=variance) for b, k, f in landscapes]


def _lines(steps: list, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    start = np.eye(D)[0] + 0.5 * rng.normal(size=(n, D))
    return simulate_ensemble(steps, start / np.linalg.norm(start, axis=1, keepdims=True), seed=seed)


def _claims(steps: list) -> dict:
    section, _ = layer_section(_lines(steps, N_TRAIN, 1), _lines(steps, N_HELD, 2), CONFIG)
    decided = decide(layer_claims(section, "toy"))
    assert check_claims({"claims": [c.to_dict() for c in decided]}) == len(decided)
    return {c.key: c for c in decided}


@pytest.fixture(scope="module")
def layered():
    """Each layer its own landscape, drift well above the noise."""
    return _claims(_process([_landscape(seed) for seed in range(LAYERS)], 0.02))


def test_a_layer_dependent_process_passes_the_layer_and_drift_rows(layered):
    assert layered["layer_dependence"].holds is True
    assert layered["langevin_log_likelihood"].holds is True
    assert layered["one_step_angle"].holds is True
    assert layered["ensemble_dispersion_gap"].holds is True


def test_a_time_homogeneous_process_fails_depends_on_its_layer():
    claims = _claims(_process([_landscape(7)] * LAYERS, 0.004))
    assert claims["layer_dependence"].holds is False
    assert claims["langevin_log_likelihood"].holds is True  # it does have a drift


def test_a_pure_random_walk_fails_the_drift_rows():
    zero = (np.linalg.qr(np.random.default_rng(0).normal(size=(D, 3)))[0], np.zeros((3, 3)), np.zeros(3))
    claims = _claims(_process([zero] * LAYERS, 0.004))
    assert claims["langevin_log_likelihood"].holds is False
    assert claims["one_step_angle"].holds is False
    assert claims["transport_log_likelihood"].holds is False


def test_a_process_without_noise_fails_the_noise_row():
    steps = [dataclasses.replace(s, variance=1e-12) for s in _process([_landscape(s) for s in range(LAYERS)], 0.0)]
    claims = _claims(steps)
    assert claims["ensemble_dispersion_gap"].holds is False
