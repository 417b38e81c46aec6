"""Null controls: random directions and sense-label shuffles show sigma without a sense signal."""

import numpy as np
import pytest

from semphys.phase.order import order_parameter, sense_direction
from semphys.phase.verdict.controls import (
    balanced_counts,
    band,
    label_shuffle_sigma,
    random_direction_sigma,
    shuffled_splits,
)


def test_random_directions_give_the_cosine_noise_floor() -> None:
    rng = np.random.default_rng(0)
    d = 400
    phi = rng.normal(size=(6, 3, d))
    null = random_direction_sigma(phi, 500, rng)
    assert null.shape == (500, 6, 3)
    assert abs(null.mean()) < 0.01
    assert null.std() == pytest.approx(np.sqrt(2 / d), rel=0.1)  # difference of two cosines ~ N(0, 1/d) each


def test_shuffled_splits_are_balanced_and_never_the_truth_or_its_mirror() -> None:
    rng = np.random.default_rng(1)
    masks = shuffled_splits(5, 5, 1000, rng)
    assert len(masks) == 100  # (C(5,2) C(5,3) + C(5,3) C(5,2)) / 2: every balanced split up to its mirror, each once
    assert len({m.tobytes() for m in masks}) == len(masks)
    assert not {(~m).tobytes() for m in masks} & {m.tobytes() for m in masks}  # no mirror pair
    from_a = masks[:, :5].sum(axis=1)
    assert set(from_a.tolist()) == {2, 3} and (masks.sum(axis=1) == 5).all()
    assert balanced_counts(4, 2) == [2, 3]
    assert len(shuffled_splits(1, 1, 10, rng)) == 0  # one anchor per sense: no sense-free split exists
    assert len(shuffled_splits(20, 20, 50, rng)) == 50  # sampled, not enumerated


def test_label_shuffle_removes_a_planted_sense_signal() -> None:
    rng = np.random.default_rng(2)
    d, signal = 64, np.zeros(64)
    signal[0] = 4.0
    anchors_a = rng.normal(size=(6, 1, d)) + signal
    anchors_b = rng.normal(size=(6, 1, d)) - signal
    prompts = rng.normal(size=(30, 1, d)) + signal  # every prompt is sense A
    true_sigma = order_parameter(prompts, sense_direction(anchors_a), sense_direction(anchors_b), "per-layer")
    null = label_shuffle_sigma(prompts, anchors_a, anchors_b, "per-layer", 200, rng)
    assert (true_sigma > 0).all()
    assert abs(null.mean()) < 0.25 * true_sigma.mean()
    assert 0.3 < (null > 0).mean() < 0.7  # the sign under the null is a coin flip


def test_band_quantiles_pool_draws_and_prompts() -> None:
    null = np.arange(1000, dtype=float).reshape(10, 100, 1)
    result = band(null, 0.9)
    assert result["low"][0] == pytest.approx(49.95) and result["high"][0] == pytest.approx(949.05)
    assert band(np.zeros((0, 3, 2))) == {"low": [], "median": [], "high": []}
