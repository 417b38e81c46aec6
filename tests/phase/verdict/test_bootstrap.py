"""Bootstrap over anchor sentences: resampling counts, degenerate anchors, intervals that cover the truth."""

import numpy as np

from semphys.phase.fits import fit_all, with_intervals
from semphys.phase.verdict.bootstrap import anchor_counts, bootstrap_fits, bootstrap_sigma


def test_counts_resample_with_replacement() -> None:
    counts = anchor_counts(5, 300, np.random.default_rng(0))
    assert counts.shape == (300, 5) and (counts.sum(axis=1) == 5).all()
    assert (counts == 0).any() and (counts >= 2).any()


def test_identical_anchors_give_identical_draws() -> None:
    rng = np.random.default_rng(1)
    phi = rng.normal(size=(2, 4, 8))
    one_a, one_b = rng.normal(size=(1, 4, 8)), rng.normal(size=(1, 4, 8))
    sigma = bootstrap_sigma(phi, one_a, one_b, "per-layer", 20, rng)
    assert np.allclose(sigma, sigma[0])  # one anchor per sense: every resample is the same sentence


def test_intervals_cover_a_planted_critical_layer() -> None:
    """Anchors whose sense signal switches on at layer 6: the l_c interval of a sense-A prompt covers it."""
    rng = np.random.default_rng(2)
    n_layers, d = 12, 48
    ramp = (np.arange(n_layers + 1) > 6).astype(float)  # signal present from layer 7 on
    direction = np.zeros(d)
    direction[0] = 3.0

    def sentences(n: int, sign: float) -> np.ndarray:
        return rng.normal(size=(n, n_layers + 1, d)) + sign * ramp[None, :, None] * direction

    anchors_a, anchors_b, prompt = sentences(8, 1.0), sentences(8, -1.0), sentences(1, 1.0)
    layers = np.arange(n_layers + 1, dtype=float)
    draws = bootstrap_fits(layers, prompt, anchors_a, anchors_b, "per-layer", 100, rng)
    point = bootstrap_sigma(prompt, anchors_a, anchors_b, "per-layer", 1, rng)[0, 0]
    selection = with_intervals(fit_all(layers, point), draws.fits[0])
    low, high = selection.fits["step"].ci["l_c"]
    assert low <= 6.5 <= high
    assert draws.sigma.shape == (100, 1, n_layers + 1)
