"""The readout's claims: synthetic activations through the real readout (`gloss_counts`, `loo_counts`,
`draw_nulls`, `summarise`) and the real claim builder, decided by `evidence.decide`.

Known-negative: labels permuted within words (no sense signal) fail every sense row; a plateau to the
output fails peak - output. Known-positive: a sense direction planted from layer k on passes, with its
first layer above the null at k; a mid-depth peak passes peak - output.
"""

import numpy as np
import pytest

from semphys.evidence import check_claims, decide
from semphys.phase.order import unit
from semphys.phase.readout.centroid import (
    draw_nulls,
    gloss_counts,
    gloss_scores,
    gram,
    loo_counts,
    split_words,
    summarise,
)
from semphys.phase.readout.claims import summary_claims

N_LAYERS = 8  # positions 0..7


def planted_corpus(rng, signal, n_words=40, n_per_sense=3, d=24, noise=0.5):
    """Per word, sense A's items are +s(l) u + noise and sense B's -s(l) u + noise at layer l; signal [P] is
    s(l) (0: no sense at that layer). Gloss directions are +-u at every layer."""
    words = []
    for _ in range(n_words):
        u = unit(rng.standard_normal(d))
        labels = np.repeat([0, 1], n_per_sense)
        signs = np.where(labels == 0, 1.0, -1.0)
        x = signs[:, None, None] * np.asarray(signal)[None, :, None] * u + noise * rng.standard_normal(
            (len(labels), len(signal), d)
        )
        gloss = np.stack([u, -u])[:, None, :].repeat(len(signal), axis=1)
        words.append((x, labels, gloss))
    return words


def decided_rows(words, design, rng, shuffle=False, n_null=100):
    tasks = []
    for x, labels, gloss in words:
        if shuffle:
            labels = rng.permutation(labels)
        nulls = draw_nulls(x, labels, 2, n_null, rng)
        if design == "gloss":
            tasks.append(gloss_counts(gloss_scores(x, gloss, "per-layer"), labels, nulls))
        else:
            tasks.append(loo_counts(*gram(x, "per-layer"), labels, 2, nulls))
    summary = summarise(tasks, 300, rng, words=[f"w{i}" for i in range(len(tasks))], n_null_draws=1000)
    rows = decide(summary_claims(summary, "synthetic", design, "sign"))
    return summary, {row.key: row for row in rows}


@pytest.mark.parametrize("design", ["gloss", "loo"])
def test_known_positive_a_sense_planted_from_layer_k_passes_and_lands_at_k(design):
    rng = np.random.default_rng(20)
    k = 3
    signal = np.where(np.arange(N_LAYERS) >= k, 1.0, 0.0)
    summary, rows = decided_rows(planted_corpus(rng, signal), design, rng)
    assert summary.first_above_null == k
    assert rows["first_above_null"].holds is True and "from layer 3" in rows["first_above_null"].claim
    assert rows["peak_layer"].holds is True and summary.peak_layer >= k
    assert all(row.adjustment == "maxT" for key, row in rows.items() if key != "peak_minus_output")


@pytest.mark.parametrize("design", ["gloss", "loo"])
def test_known_negative_labels_permuted_within_words_fail_every_sense_row(design):
    rng = np.random.default_rng(21)
    signal = np.full(N_LAYERS, 1.0)
    summary, rows = decided_rows(planted_corpus(rng, signal), design, rng, shuffle=True)
    assert summary.first_above_null is None
    assert [row.holds for row in rows.values()] == [False, False, False], [r.claim for r in rows.values()]


@pytest.mark.parametrize("design", ["gloss", "loo"])
def test_known_negative_items_without_sense_signal_fail_every_sense_row(design):
    rng = np.random.default_rng(22)
    summary, rows = decided_rows(planted_corpus(rng, np.zeros(N_LAYERS)), design, rng)
    assert summary.first_above_null is None
    assert all(row.holds is False for row in rows.values())


def test_peak_minus_output_fails_on_a_plateau_and_holds_on_a_mid_depth_peak():
    rng = np.random.default_rng(23)
    plateau = np.where(np.arange(N_LAYERS) >= 2, 1.0, 0.0)
    _, rows = decided_rows(planted_corpus(rng, plateau), "gloss", rng)
    assert rows["peak_minus_output"].holds is False  # known-negative: no peak before the output
    peaked = np.array([0, 0, 0.4, 1.0, 1.0, 0.4, 0.1, 0.0])
    summary, rows = decided_rows(planted_corpus(rng, peaked), "gloss", rng)
    assert summary.peak_layer in (3, 4)
    assert rows["peak_minus_output"].holds is True  # known-positive


def test_peak_minus_output_is_no_longer_nonnegative_by_construction():
    # Pure noise: the held-out peak is scored on words that did not pick it, so it can fall below the output
    # layer; on the picking half it never would (argmax).
    rng = np.random.default_rng(24)
    values = []
    for _ in range(8):
        summary, _ = decided_rows(planted_corpus(rng, np.zeros(N_LAYERS), n_words=20), "gloss", rng, n_null=30)
        values.append(summary.peak_minus_output)
    assert min(values) < 0
    assert all(np.median(d) <= 0.02 for d in summary.peak.null_difference.values())


def test_the_split_is_fixed_halves_the_words_and_does_not_depend_on_their_order():
    words = [f"word{i}" for i in range(11)]
    pick = split_words(words)
    assert pick.sum() == 5
    again = split_words(words[::-1])[::-1]
    np.testing.assert_array_equal(pick, again)
    assert not split_words(["only"]).any()


def test_rows_validate_against_the_claim_schema():
    rng = np.random.default_rng(25)
    _, rows = decided_rows(planted_corpus(rng, np.ones(N_LAYERS), n_words=10), "loo", rng, n_null=30)
    assert check_claims({"claims": [row.to_dict() for row in rows.values()]}) == 3


def test_one_word_gives_undecided_peak_rows_not_passed_ones():
    rng = np.random.default_rng(26)
    _, rows = decided_rows(planted_corpus(rng, np.ones(N_LAYERS), n_words=1), "gloss", rng, n_null=30)
    assert rows["peak_layer"].holds is None and rows["peak_minus_output"].holds is None
