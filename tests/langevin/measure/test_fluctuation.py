"""The fluctuation probe: spread linear in T for a quadratic well, with its Hessian; a non-quadratic case fails."""

import numpy as np
import pytest

from semphys.langevin.measure.fluctuation import fluctuation_probe

TEMPERATURES = (0.1, 0.2, 0.4, 0.8)
HESSIAN = np.diag([1.0, 3.0, 10.0])


def _gibbs(sampler, n: int = 400):
    rows, labels = [], []
    for temperature in TEMPERATURES:
        rows.append(sampler(temperature, n))
        labels += [temperature] * n
    x = np.concatenate(rows)
    return x @ x.T, labels


def test_a_quadratic_well_gives_a_linear_spread_and_its_hessian():
    rng = np.random.default_rng(0)
    center = np.array([5.0, -2.0, 1.0])
    gram, labels = _gibbs(lambda t, n: center + rng.multivariate_normal(np.zeros(3), t * np.linalg.inv(HESSIAN), n))
    probe = fluctuation_probe(gram, labels, rank=3)
    assert probe.r_squared > 0.99 and probe.slope > 5 * np.percentile(np.abs(probe.null_slopes), 95)
    assert probe.slope == pytest.approx(np.trace(np.linalg.inv(HESSIAN)), rel=0.1)
    assert np.mean(probe.hessian_eigenvalues, axis=0) == pytest.approx([1.0, 3.0, 10.0], rel=0.1)
    assert probe.hessian_disagreement < 3 * probe.split_half_disagreement


def test_a_spread_that_saturates_is_not_linear_and_its_hessians_disagree():
    rng = np.random.default_rng(1)
    # the spread jumps between the two lowest temperatures, then stays: a two-state system, not a well
    gram, labels = _gibbs(lambda t, n: rng.normal(size=(n, 3)) * (0.1 if t < 0.15 else 1.0))
    probe = fluctuation_probe(gram, labels, rank=3)
    assert probe.r_squared < 0.8
    assert probe.hessian_disagreement > 3 * probe.split_half_disagreement
