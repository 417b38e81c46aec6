"""The baseline corrections: centring and standardising against unrelated words at the same layer."""

import numpy as np
import pytest

from semphys.phase.anisotropy import BASELINE, Baseline, baseline_for, correct
from semphys.phase.inputs.builtin import BUILTIN
from semphys.phase.order import order_parameter, sense_direction


def test_corrections_by_hand() -> None:
    baseline = Baseline.from_vectors(np.array([[[1.0, 10.0]], [[3.0, 30.0]]]))  # mean (2, 20), std (1.41, 14.1)
    x = np.array([[[4.0, 40.0]]])
    assert np.allclose(correct(x, "raw", baseline), x)
    assert np.allclose(correct(x, "centred", baseline), [[[2.0, 20.0]]])
    assert np.allclose(correct(x, "standardised", baseline), [[[2 / 2**0.5, 20 / (10 * 2**0.5)]]])
    with pytest.raises(ValueError):
        correct(x, "whitened", baseline)


def test_standardising_stops_one_massive_dimension_from_deciding_sigma() -> None:
    # Dimension 0 is huge and noisy in every vector (a "massive activation"); the senses differ in dim 1.
    rng = np.random.default_rng(0)

    def vectors(n: int, sense: float) -> np.ndarray:
        v = rng.normal(0, 1, (n, 1, 4))
        v[:, 0, 0] = 1000 + rng.normal(0, 300, n)
        v[:, 0, 1] += 3 * sense
        return v

    baseline = Baseline.from_vectors(vectors(40, 0.0))
    a, b, probe = vectors(5, 1.0), vectors(5, -1.0), vectors(20, 1.0)
    sigmas = {}
    for correction in ("centred", "standardised"):
        e_a = sense_direction(correct(a, correction, baseline))
        e_b = sense_direction(correct(b, correction, baseline))
        sigmas[correction] = order_parameter(correct(probe, correction, baseline), e_a, e_b, "per-layer")[:, 0]
    assert (sigmas["standardised"] > 0).mean() >= 0.9
    assert sigmas["standardised"].mean() > 2 * abs(sigmas["centred"].mean())


def test_baseline_is_disjoint_from_the_studied_words() -> None:
    targets = {t.lower() for _, t in BASELINE}
    assert not targets & set(BUILTIN)
    assert len(BASELINE) >= 30 and all(t in p for p, t in BASELINE)
    assert ("Our teacher brought a globe to class", "globe") not in baseline_for("globe")
    assert len(baseline_for("globe")) == len(BASELINE) - 1


def test_std_floor_keeps_constant_dimensions_finite() -> None:
    baseline = Baseline.from_vectors(np.array([[[1.0, 5.0]], [[3.0, 5.0]], [[2.0, 5.0]]]))
    assert np.all(baseline.std > 0) and np.isfinite(correct(np.ones((1, 1, 2)), "standardised", baseline)).all()
