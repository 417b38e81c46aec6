"""semphys.phase.readout.centroid: held-out nearest-centroid readout, leave-one-out directions, nulls (spec 001 §実験1)."""

import numpy as np
import pytest

from semphys.phase.order import unit
from semphys.phase.readout.centroid import (
    draw_nulls,
    gloss_counts,
    gloss_scores,
    gram,
    half_rise,
    loo_counts,
    loo_scores,
    random_direction_scores,
    read_out,
    summarise,
)


def plus_minus_corpus(rng, n_words=30, n_per_sense=4, d=32, n_layers=3, noise=0.3):
    """Sense A's items are +u plus noise, sense B's -u plus noise (u a fixed unit vector per word)."""
    words = []
    for _ in range(n_words):
        u = unit(rng.standard_normal(d))
        labels = np.repeat([0, 1], n_per_sense)
        signs = np.where(labels == 0, 1.0, -1.0)
        x = signs[:, None, None] * u + noise * rng.standard_normal((len(labels), n_layers + 1, d))
        gloss = np.stack([u, -u])[:, None, :].repeat(n_layers + 1, axis=1) + 0.1 * rng.standard_normal(
            (2, n_layers + 1, d)
        )
        words.append((x, labels, gloss))
    return words


def brute_force_loo(x, labels, n_classes, mode):
    n, n_layers, _ = x.shape
    out = np.zeros((n, n_layers, n_classes))
    for i in range(n):
        for k in range(n_classes):
            members = [j for j in range(n) if labels[j] == k and j != i]
            for layer in range(n_layers):
                source = layer if mode == "per-layer" else n_layers - 1
                direction = x[members, source].sum(axis=0) if members else np.zeros(x.shape[-1])
                out[i, layer, k] = unit(x[i, layer]) @ unit(direction)
    return out


@pytest.mark.parametrize("mode", ["per-layer", "final"])
def test_loo_scores_equal_the_brute_force_leave_one_out(mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 4, 9))
    labels = np.array([0, 0, 0, 1, 1, 2, 2])
    g, xx = gram(x, mode)
    np.testing.assert_allclose(loo_scores(g, xx, labels, 3), brute_force_loo(x, labels, 3, mode), atol=1e-10)


def test_the_loo_direction_never_contains_the_tested_item():
    # One item of class 0 is huge and points along e_0; the others point along e_1. Were it in its own
    # direction, its cosine with that direction would be about 1; held out, it is that of the others (0).
    x = np.zeros((4, 1, 3))
    x[0, 0] = [1000.0, 0, 0]
    x[1, 0] = [0, 1.0, 0]
    x[2, 0] = [0, 1.0, 0]
    x[3, 0] = [0, 0, 1.0]
    labels = np.array([0, 0, 0, 1])
    g, xx = gram(x, "per-layer")
    scores = loo_scores(g, xx, labels, 2)
    assert scores[0, 0, 0] == pytest.approx(0.0, abs=1e-12)
    # The other items of class 0 do see the huge one in their direction.
    assert scores[1, 0, 0] == pytest.approx(unit(np.array([1000.0, 1.0, 0])) @ [0, 1, 0])


def test_a_singleton_class_held_out_has_no_direction():
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    g, xx = gram(x, "per-layer")
    scores = loo_scores(g, xx, np.array([0, 0, 1]), 2)
    assert np.all(scores[2, :, 1] == 0)


def test_gloss_scores_are_cosines():
    rng = np.random.default_rng(2)
    x, e = rng.standard_normal((3, 2, 5)), rng.standard_normal((2, 2, 5))
    scores = gloss_scores(x, e, "final")
    assert scores[1, 0, 1] == pytest.approx(unit(x[1, 0]) @ unit(e[1, 1]))


def test_random_directions_give_cosines_of_an_isotropic_unit_vector():
    # cos(u, r) for a random unit r in d dimensions has mean 0 and variance 1/d.
    rng = np.random.default_rng(3)
    d = 50
    x = rng.standard_normal((4, 1, d))
    cos = random_direction_scores(x, 2, 4000, rng)
    assert abs(cos.mean()) < 0.01
    assert cos.var() == pytest.approx(1 / d, rel=0.08)
    assert np.all(np.abs(cos) <= 1 + 1e-12)


def task_counts(x, labels, n_classes, design, mode, gloss, nulls):
    """One task's counts, as the readout computes them for each design."""
    if design == "gloss":
        return gloss_counts(gloss_scores(x, gloss, mode), labels, nulls)
    return loo_counts(*gram(x, mode), labels, n_classes, nulls)


@pytest.mark.parametrize("design", ["gloss", "loo"])
def test_plus_minus_u_corpus_reads_out_near_one_and_its_nulls_near_one_half(design):
    rng = np.random.default_rng(4)
    tasks = [
        task_counts(x, labels, 2, design, "per-layer", gloss, draw_nulls(x, labels, 2, 100, rng))
        for x, labels, gloss in plus_minus_corpus(rng)
    ]
    summary = summarise(tasks, 200, rng)
    assert np.all(summary.accuracy > 0.97)
    for null in (summary.null_random, summary.null_shuffled):
        assert np.all(np.abs(null["median"] - 0.5) < 0.06)
    assert summary.first_above_null == 0
    assert np.all(summary.ci_low <= summary.accuracy) and np.all(summary.accuracy <= summary.ci_high)


@pytest.mark.parametrize("design", ["gloss", "loo"])
def test_with_labels_shuffled_the_accuracy_sits_inside_the_null_band(design):
    rng = np.random.default_rng(5)
    tasks = [
        task_counts(x, shuffled, 2, design, "per-layer", gloss, draw_nulls(x, shuffled, 2, 100, rng))
        for x, labels, gloss in plus_minus_corpus(rng)
        for shuffled in [rng.permutation(labels)]
    ]
    summary = summarise(tasks, 200, rng)
    assert np.all(summary.accuracy <= summary.null_shuffled["p95"] + 0.02)
    assert summary.first_above_null is None or summary.accuracy[summary.first_above_null] < 0.65


def test_read_out_takes_the_highest_scoring_class():
    scores = np.array([[[0.1, 0.9, 0.2]], [[0.5, 0.4, 0.0]]])
    assert read_out(scores, np.array([1, 1])).tolist() == [[True], [False]]


def test_half_rise_is_the_first_layer_half_way_to_the_peak():
    assert half_rise(np.array([0.5, 0.55, 0.7, 0.9, 0.8])) == 2
    assert half_rise(np.array([0.6, 0.5, 0.6])) is None


def test_landmarks_and_the_held_out_peak_on_a_hand_made_task():
    from semphys.phase.readout.centroid import Counts, split_words

    # both words read out every item at layer 1 and half at the output layer.
    first = np.array([[False, True, True, False], [False, True, True, True]])
    second = np.array([[False, True, False, True], [False, True, False, False]])
    shuffled = np.zeros((30, 2, 4), bool)
    shuffled[:, 0] = True  # 1 correct of 2 at every layer: 0.5
    tasks = [Counts(c, np.zeros((30, 2, 4), bool), shuffled) for c in (first, second)]
    summary = summarise(tasks, 50, np.random.default_rng(0))
    assert summary.accuracy.tolist() == [0.0, 1.0, 0.5, 0.5]
    assert summary.half_rise_layer == 1 and summary.first_above_null == 1  # maxT p 1/31; interval [1, 1] > 0.5
    pick = split_words(["0", "1"])
    picker, scorer = (first, second) if pick[0] else (second, first)
    peak = int(np.argmax(picker.mean(axis=0)))
    assert summary.peak_layer == peak
    assert summary.peak_minus_output == scorer.mean(axis=0)[peak] - scorer.mean(axis=0)[-1]
    assert (summary.peak_layer, summary.peak_minus_output) == (1, 0.5)
    assert summary.peak.n_pick_words == summary.peak.n_score_words == 1
    np.testing.assert_array_equal(summary.word_half_rise, [1.0, 1.0])
    on_subset = summarise(tasks, 50, np.random.default_rng(0), layers=np.array([0, 3, 6, 9]))
    np.testing.assert_array_equal(on_subset.accuracy, summary.accuracy)
    assert (on_subset.peak_layer, on_subset.first_above_null, on_subset.half_rise_layer) == (3 * peak, 3, 3)


def test_a_ten_draw_null_cannot_put_a_layer_above_it():
    # p can never go below 1 / (1 + 10) > 0.05: no layer is above the null, however clear the readout.
    from semphys.phase.readout.centroid import Counts

    correct = np.ones((2, 3), bool)
    tasks = [Counts(correct, np.zeros((10, 2, 3), bool), np.zeros((10, 2, 3), bool)) for _ in range(3)]
    summary = summarise(tasks, 50, np.random.default_rng(0))
    assert summary.first_above_null is None
    assert np.all(summary.null_random["maxt_p"] == 1 / 11)


def test_take_scores_a_subset_of_items():
    rng = np.random.default_rng(6)
    x, labels, gloss = plus_minus_corpus(rng, n_words=1)[0]
    counts = task_counts(x, labels, 2, "gloss", "per-layer", gloss, draw_nulls(x, labels, 2, 20, rng))
    mask = np.arange(len(labels)) % 2 == 0
    part = counts.take(mask)
    assert part.correct.shape[0] == mask.sum() and part.random.shape[1] == mask.sum()
    np.testing.assert_array_equal(part.sigma, counts.sigma[mask])


def test_random_direction_scores_keep_the_geometry_of_the_items_at_every_layer():
    # One r per draw, class and layer is shared by all items: equal items get equal cosines, an
    # opposite item the negated cosine, whatever the layer (a batching that mixed layers or items fails).
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 3, 20))
    x[1] = 2.5 * x[0]
    x[2] = -x[0]
    cos = random_direction_scores(x, 2, 50, rng)
    np.testing.assert_allclose(cos[:, 1], cos[:, 0], atol=1e-12)
    np.testing.assert_allclose(cos[:, 2], -cos[:, 0], atol=1e-12)
    assert not np.allclose(cos[:, 3], cos[:, 0])


def test_permutations_keep_the_class_sizes_and_differ_between_draws():
    from semphys.phase.readout.centroid import permutations

    labels = np.array([0, 0, 0, 1, 1, 2])
    drawn = permutations(labels, 200, np.random.default_rng(8))
    assert drawn.shape == (200, 6)
    assert all(sorted(row) == sorted(labels) for row in drawn.tolist())
    assert len({tuple(row) for row in drawn.tolist()}) > 20


@pytest.mark.parametrize("mode", ["per-layer", "final"])
def test_loo_scores_of_many_relabellings_equal_one_relabelling_at_a_time(mode):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((7, 4, 12))
    g, xx = gram(x, mode)
    drawn = np.stack([rng.permutation([0, 0, 0, 1, 1, 2, 2]) for _ in range(5)])
    together = loo_scores(g, xx, drawn, 3)
    assert together.shape == (5, 7, 4, 3)
    for row, labels in enumerate(drawn):
        np.testing.assert_allclose(together[row], brute_force_loo(x, labels, 3, mode), atol=1e-10)


@pytest.mark.parametrize("n, d", [(4, 30), (9, 3)])
def test_random_direction_cosines_have_covariance_gram_over_d(n, d):
    # For r uniform on the sphere S^{d-1}, E[(u_i.r)(u_j.r)] = u_i.u_j / d: the joint law over items,
    # also when there are more items than dimensions (rank-deficient Gram, no chi-square part).
    rng = np.random.default_rng(10)
    x = rng.standard_normal((n, 1, d))
    cos = random_direction_scores(x, 1, 40000, rng)[:, :, 0, 0]  # [draws, n]
    u = unit(x[:, 0])
    np.testing.assert_allclose(cos.T @ cos / len(cos), u @ u.T / d, atol=0.1 / d)
    assert np.all(np.abs(cos) <= 1 + 1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_read_out_agrees_with_argmax_ties_included(n_classes):
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 3, size=(6, 5, 4, n_classes)).astype(float)  # many exact ties
    labels = rng.integers(0, n_classes, size=(6, 5))
    np.testing.assert_array_equal(read_out(scores, labels), scores.argmax(axis=-1) == labels[..., None])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_tie_up_to_rounding_goes_to_the_lowest_class(n_classes):
    # Scores equal up to the order of a sum (1e-16 apart) are a tie: class 0 wins whichever is larger.
    base = np.full((2, 1, n_classes), 0.3)
    base[0, 0, -1] += 1e-15
    base[1, 0, 0] -= 1e-15
    assert read_out(base, np.array([0, 0])).tolist() == [[True], [True]]
    assert not read_out(base, np.array([n_classes - 1, n_classes - 1])).any()
    clear = np.full((1, 1, n_classes), 0.3)
    clear[0, 0, -1] += 1e-6
    assert read_out(clear, np.array([n_classes - 1])).tolist() == [[True]]
