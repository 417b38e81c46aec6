"""The shared statistics against hand computations, closed forms and their known failure modes."""

import math

import numpy as np
import pytest

from semphys.evidence import stats


def test_permutation_p_counts_ties_as_hits_and_has_its_floor():
    draws = np.array([0.1, 0.2, 0.3, 0.3])
    assert stats.permutation_p(0.3, draws, "higher") == pytest.approx(3 / 5)
    assert stats.permutation_p(0.5, draws, "higher") == pytest.approx(1 / 5) == stats.p_floor(4)
    assert stats.permutation_p(0.1, draws, "lower") == pytest.approx(2 / 5)
    assert stats.permutation_p(0.5, np.array([np.nan, 0.1]), "higher") == pytest.approx(1 / 2)
    with pytest.raises(ValueError, match="finite null draw"):
        stats.permutation_p(0.5, np.array([np.nan]), "higher")


def test_holm_matches_a_hand_computation_and_keeps_order():
    # sorted 0.01, 0.02, 0.04 -> 3*0.01, 2*0.02, 1*0.04 = 0.03, 0.04, 0.04 (monotone)
    adjusted = stats.holm(np.array([0.04, 0.01, 0.02]))
    assert adjusted.tolist() == pytest.approx([0.04, 0.03, 0.04])
    assert stats.holm(np.array([0.6, 0.5])).tolist() == pytest.approx([1.0, 1.0])
    assert stats.holm(np.array([])).size == 0


def test_maxt_is_harder_than_the_per_position_p_and_equal_for_one_position():
    rng = np.random.default_rng(0)
    null = rng.normal(size=(999, 19))
    observed = np.zeros(19)
    observed[5] = 2.5  # 2.5 sd: per-layer p about 0.006, over 19 layers about 0.1
    per_layer = stats.permutation_p(2.5, null[:, 5], "higher")
    adjusted = stats.maxt_adjusted(observed, null, "higher")
    assert per_layer < 0.02 < 0.05 < adjusted[5] < 0.3
    single = stats.maxt_adjusted(observed[5:6], null[:, 5:6], "higher")[0]
    assert single == pytest.approx(
        stats.permutation_p(
            (2.5 - null[:, 5].mean()) / null[:, 5].std(), (null[:, 5] - null[:, 5].mean()) / null[:, 5].std(), "higher"
        )
    )


def test_maxt_standardises_positions_of_different_scale():
    rng = np.random.default_rng(1)
    null = rng.normal(size=(499, 2)) * np.array([1.0, 100.0])
    observed = np.array([4.0, 0.0])  # 4 sd at a quiet position wins although raw values are small
    assert stats.maxt_adjusted(observed, null, "higher")[0] < 0.01


def test_resample_clusters_never_splits_a_cluster():
    clusters = np.array(["a", "a", "a", "b", "c", "c"])
    for idx in stats.resample_clusters(clusters, 50, np.random.default_rng(0)):
        drawn = clusters[idx]
        for label in np.unique(drawn):
            assert np.count_nonzero(drawn == label) % np.count_nonzero(clusters == label) == 0


def test_cluster_bootstrap_is_wider_than_item_bootstrap_on_clustered_data():
    rng = np.random.default_rng(2)
    clusters = np.repeat(np.arange(10), 20)
    values = np.repeat(rng.normal(size=10), 20) + 0.01 * rng.normal(size=200)
    lo_i, hi_i = stats.bootstrap_interval(values, 500, np.random.default_rng(3))
    lo_c, hi_c = stats.bootstrap_interval(values, 500, np.random.default_rng(3), clusters=clusters)
    assert (hi_c - lo_c) > 3 * (hi_i - lo_i)


def test_paired_bootstrap_cancels_shared_variation():
    rng = np.random.default_rng(4)
    shared = rng.normal(scale=10, size=100)
    a, b = shared + 1.0, shared + 0.9
    lo, hi = stats.paired_bootstrap_interval(a, b, 300, rng)
    assert lo == pytest.approx(0.1) and hi == pytest.approx(0.1)
    with pytest.raises(ValueError, match="as many items"):
        stats.paired_bootstrap_interval(a, b[:5], 10, rng)


def test_ratio_bootstrap_covers_the_pooled_ratio_and_collapses_when_clusters_agree():
    successes = np.array([[5, 1], [5, 2], [5, 3]])
    trials = np.array([10, 10, 10])
    low, high = stats.ratio_bootstrap_interval(successes, trials, 400, np.random.default_rng(0))
    assert low[0] == high[0] == pytest.approx(0.5)
    assert low[1] < 0.2 < high[1]


def test_mcnemar_counts_only_discordant_pairs():
    a = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=bool)
    b = np.array([0, 0, 0, 0, 0, 0, 1, 1, 0, 0], dtype=bool)
    assert stats.mcnemar_p(a, b) == pytest.approx(0.5**6)  # 6 discordant, all for a
    assert stats.mcnemar_p(a, a) == 1.0
    assert stats.mcnemar_p(b, a) == pytest.approx(1.0)


def test_sign_flip_is_exact_with_its_floor():
    p, floor = stats.sign_flip_p(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), "higher")
    assert floor == 1 / 32 and p == pytest.approx(1 / 32)
    p, _ = stats.sign_flip_p(np.array([1.0, -1.0, 1.0, -1.0]), "higher")
    assert p > 0.5
    p, floor = stats.sign_flip_p(
        np.full(40, 0.3) + np.random.default_rng(0).normal(scale=0.1, size=40), "higher", n_draws=999
    )
    assert floor == pytest.approx(1 / 1000) and p == pytest.approx(1 / 1000)


def test_wilson_and_dkw_closed_forms():
    assert stats.dkw_epsilon(100) == pytest.approx(math.sqrt(math.log(40) / 200))
    low, high = stats.wilson_interval(5, 10)
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 10 + z * z / 400) / (1 + z * z / 10)
    assert (low, high) == pytest.approx((0.5 - half, 0.5 + half))
    assert stats.wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    assert all(math.isnan(v) for v in stats.wilson_interval(0, 0))
