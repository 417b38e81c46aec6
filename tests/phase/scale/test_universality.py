"""beta's spread against one shared beta, and l_c/L by lexicographer class (known-positive and known-negative)."""

import numpy as np
import pytest

from semphys.phase.fits import FitBounds
from semphys.phase.scale import ScaleSettings, pool, verdict
from semphys.phase.scale.universality import beta_spread, between_class_variance, class_test, shared_beta_fit
from tests.phase.scale.synthetic import L, power_profile, synthetic_words

SETTINGS = ScaleSettings(n_null_draws=200, n_bootstrap=200, n_beta_null=200, n_class_permutations=199)
X = np.arange(1, 13, dtype=np.float64)


def curves_with(betas: list[float], noise: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([np.maximum(X - 4.0, 0) ** b + noise * rng.standard_normal(len(X)) for b in betas])


def test_one_shared_beta_is_found_on_curves_that_share_it():
    beta, fitted = shared_beta_fit(X, curves_with([0.5] * 10, 0.0), FitBounds())
    assert beta == pytest.approx(0.5, rel=0.1)
    assert np.allclose(fitted, curves_with([0.5] * 10, 0.0), atol=0.05)


def test_different_betas_reject_universality_and_one_beta_does_not():
    rng = np.random.default_rng(0)
    apart = beta_spread(X, curves_with([0.3, 1.6] * 15, 0.05), FitBounds(), 200, 200, rng)
    shared = beta_spread(X, curves_with([0.8] * 30, 0.05), FitBounds(), 200, 200, rng)
    assert apart.null_p is not None and apart.null_p < 0.01
    assert shared.null_p is not None and shared.null_p > 0.05
    assert shared.value is not None and apart.value is not None and shared.value < 0.3 < apart.value


@pytest.mark.parametrize("betas, differs", [([0.4, 1.6] * 20, True), ([0.7] * 40, False)])
def test_beta_rows_known_positive_and_negative(betas, differs):
    # sigma is a cosine: with the signal small beside the noise norm it stays linear in the profile, so beta survives
    words = synthetic_words([power_profile(4.0, b) for b in betas], noise=0.3, strength=1.0, n_per_class=100)
    rows = {c.key: c for c in verdict({"m": pool(words, L, "gloss", SETTINGS, np.random.default_rng(0))}, {}, 200)}
    assert rows["beta_differs"].holds is differs
    assert rows["beta_cv"].holds is (not differs)


def test_between_class_variance_by_hand():
    values = np.array([0.1, 0.3, 0.6, 0.8])
    labels = np.array(["a", "a", "b", "b"])
    assert between_class_variance(values, labels) == pytest.approx(((0.2 - 0.45) ** 2 * 2 + (0.7 - 0.45) ** 2 * 2) / 4)


def test_class_test_leaves_out_small_classes():
    rng = np.random.default_rng(0)
    test = class_test(np.r_[np.full(6, 0.3), np.full(6, 0.7), [0.5]], ["a"] * 6 + ["b"] * 6 + ["c"], 99, 50, rng)
    assert set(test.classes) == {"a", "b"}
    assert test.to_dict()["null_p"] == pytest.approx(1 / 100, abs=0.02)
