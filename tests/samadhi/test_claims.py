"""Samadhi's claims: known negatives fail and known positives hold, through `semphys.samadhi.claims`."""

import json

import numpy as np
import pytest

from semphys.evidence import check_claims, decide
from semphys.evidence.stats import rank_auroc, swapped_auroc_null
from semphys.samadhi import claims as claims_module
from semphys.samadhi.claims import concept_claims, gate_claims, variant_claims


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_rank_auroc_by_hand() -> None:
    assert rank_auroc(np.array([2.0, 3.0, 0.0, 1.0]), np.array([1, 1, 0, 0])) == 1.0
    assert rank_auroc(np.array([1.0, 3.0, 2.0, 0.0]), np.array([1, 1, 0, 0])) == 0.75
    assert rank_auroc(np.array([1.0, 1.0]), np.array([1, 0])) == 0.5
    assert np.isnan(rank_auroc(np.array([1.0, 2.0]), np.array([1, 1])))


def test_swapped_null_centres_between_the_two_scorers() -> None:
    rng = np.random.default_rng(1)
    positive = np.r_[np.ones(200, bool), np.zeros(200, bool)]
    good = positive + rng.normal(0, 0.3, 400)
    weak = positive + rng.normal(0, 1.5, 400)
    draws = swapped_auroc_null(good, weak, positive, np.arange(400), rng, n_draws=400)
    assert rank_auroc(weak, positive) < np.median(draws) < rank_auroc(good, positive)


def _concepts(winner_right: np.ndarray, nearest_right: np.ndarray) -> dict:
    label = np.zeros(len(winner_right), int)
    return {
        "n_concepts": 16,
        "per_window": {
            "synset": [f"s{i}" for i in range(len(label))],
            "label": label.tolist(),
            "winner_probe": np.where(winner_right, 0, 1).tolist(),
            "nearest_centroid": np.where(nearest_right, 0, 1).tolist(),
            "linear_probe": np.where(nearest_right, 0, 1).tolist(),
        },
    }


def test_winner_barely_above_nearest_centroid_fails() -> None:
    """Known negative: the README's 0.611 vs 0.605 on 800 windows is no evidence once paired."""
    both, neither = 426, 800 - 426 - 63 - 57
    winner = np.r_[np.ones(both), np.zeros(neither), np.ones(63), np.zeros(57)].astype(bool)  # 0.611
    nearest = np.r_[np.ones(both), np.zeros(neither), np.zeros(63), np.ones(57)].astype(bool)  # 0.604
    row = decide(concept_claims(_concepts(winner, nearest), _rng()))[0]
    assert row.key == "concepts_vs_nearest_centroid" and row.kind == "finding"
    assert row.value == pytest.approx((63 - 57) / 800)
    assert row.holds is False and row.p > 0.05 and row.interval[0] < 0 < row.interval[1]


def test_winner_well_above_nearest_centroid_holds() -> None:
    """Known positive: 90% against 60% on the same windows."""
    rng = np.random.default_rng(3)
    winner, nearest = rng.random(400) < 0.9, rng.random(400) < 0.6
    row = decide(concept_claims(_concepts(winner, nearest), _rng()))[0]
    assert row.holds is True and row.interval[0] > 0


def _gate(real_scores: np.ndarray, noise_scores: np.ndarray, linear: np.ndarray, untrained: np.ndarray) -> dict:
    n_real, n_noise = len(real_scores), len(noise_scores)
    kinds = ["real"] * n_real + ["random", "shuffled"] * (n_noise // 2)
    return {
        "held_out_noise": [],
        "per_window": {
            "kind": kinds,
            "synset": [f"s{i % n_real}" for i in range(n_real + n_noise)],
            "samadhi": np.r_[real_scores, noise_scores].tolist(),
            "linear_classifier": linear.tolist(),
            "spec_untrained_vitakka": untrained.tolist(),
        },
    }


def _separable(rng: np.random.Generator, n: int, spread: float) -> np.ndarray:
    """Scores of n real then n noise windows, real higher by 1 with Gaussian noise of `spread`."""
    return np.r_[np.ones(n), np.zeros(n)] + rng.normal(0, spread, 2 * n)


def test_gate_on_random_labels_fails() -> None:
    """Known negative: a gate whose scores carry no real/noise information (random labels)."""
    rng = np.random.default_rng(4)
    scores = rng.normal(0, 1, 400)
    row = decide(
        gate_claims(_gate(scores[:200], scores[200:], _separable(rng, 200, 0.5), rng.normal(0, 1, 400)), _rng())
    )[0]
    assert row.holds is False and row.threshold_passed is False and abs(row.value - 0.5) < 0.1


def test_gate_above_goal_but_below_the_linear_classifier_fails() -> None:
    """Known negative: AUROC above 0.9 is not evidence where logistic regression on the same features does better."""
    rng = np.random.default_rng(5)
    samadhi = _separable(rng, 300, 0.45)  # AUROC about 0.94
    row = decide(
        gate_claims(_gate(samadhi[:300], samadhi[300:], _separable(rng, 300, 0.2), rng.normal(0, 1, 600)), _rng())
    )[0]
    assert row.threshold_passed is True and row.value > 0.9
    assert row.holds is False and row.nulls[0].p > 0.5


def test_gate_that_beats_the_linear_classifier_holds() -> None:
    """Known positive: a gate on learnable labels that separates better than the linear classifier."""
    rng = np.random.default_rng(6)
    samadhi = _separable(rng, 300, 0.2)
    row = decide(
        gate_claims(_gate(samadhi[:300], samadhi[300:], _separable(rng, 300, 0.6), rng.normal(0, 1, 600)), _rng())
    )[0]
    assert row.holds is True and row.value > 0.99 and all(null.p < 0.01 for null in row.nulls)


def _variant(
    steps: np.ndarray, untrained: np.ndarray, anderson: np.ndarray, final_right: np.ndarray, s0_right: np.ndarray
) -> dict:
    n = len(steps)
    synset = [f"s{i}" for i in range(n)]
    return {
        "refinement": {
            "n_open": n,
            "steps_by_beta": [
                {
                    "beta": 0.9,
                    "median_steps": float(np.median(steps)),
                    "untrained_median_steps": float(np.median(untrained)),
                }
            ],
            "per_window": {
                "synset": synset,
                "steps": steps.tolist(),
                "plain_steps": steps.tolist(),
                "untrained_steps": untrained.tolist(),
                "anderson_steps": anderson.tolist(),
            },
        },
        "stability": [
            {
                "sigma": 0.05,
                "per_window": {
                    "synset": synset,
                    "s_final": (1e-6 * np.ones(n)).tolist(),
                    "s0": (0.05 + 0.001 * np.arange(n)).tolist(),
                },
            }
        ],
        "retention": {
            "per_window": {"synset": synset, "s_final_correct": final_right.tolist(), "s0_correct": s0_right.tolist()}
        },
    }


def test_variant_rows_known_negatives_and_positives() -> None:
    rng = np.random.default_rng(7)
    steps = rng.integers(6, 9, 200).astype(float)
    same = rng.random(200) < 0.7
    rows = {
        row.key: row
        for row in decide(variant_claims("standard", _variant(steps, steps.copy(), steps - 1, same, same), 0.9, _rng()))
    }
    assert rows["standard_steps"].kind == "check" and rows["standard_steps"].holds is True  # median 7 <= 10
    assert rows["standard_steps_vs_untrained"].holds is False  # identical to the untrained refiners
    assert rows["standard_anderson"].holds is True  # one evaluation fewer on every window
    assert rows["standard_stability"].kind == "design" and rows["standard_stability"].holds is True
    assert rows["standard_retention"].holds is False  # a tie is not "as well as": no slack
    assert rows["standard_steps_beta_0.9"].kind == "exploratory" and rows["standard_steps_beta_0.9"].holds is None
    rows = {
        row.key: row
        for row in decide(
            variant_claims(
                "standard",
                _variant(steps + 6, steps + 12, steps + 7, rng.random(200) < 0.95, rng.random(200) < 0.5),
                0.9,
                _rng(),
            )
        )
    }
    assert rows["standard_steps"].holds is False  # median 13 > 10
    assert rows["standard_steps_vs_untrained"].holds is True
    assert rows["standard_anderson"].holds is False  # Anderson needs more
    assert rows["standard_retention"].holds is True


def test_claims_of_the_tiny_run_conform(tiny_eval, tiny_run) -> None:
    document = json.loads((tiny_run.out_dir / "eval.json").read_text())
    assert check_claims(document) == len(document["claims"]) > 5
    keys = {row["key"]: row for row in document["claims"]}
    assert {"concepts_vs_nearest_centroid", "gate_noise", "gate_word_salad"} <= set(keys)
    assert keys["gate_noise"]["threshold"] == claims_module.GATE_AUROC
    assert [null["name"].split(" (")[0] for null in keys["gate_noise"]["nulls"]] == [
        "logistic regression on the same features",
        "the spec's untrained Vitakka",
    ]
    assert keys["gate_noise"]["value"] == pytest.approx(document["gate"]["auroc"]["noise"], abs=1e-9)
    assert keys["concepts_vs_nearest_centroid"]["value"] == pytest.approx(
        document["concepts"]["winner_probe"] - document["concepts"]["baselines"]["nearest_centroid"]
    )
    assert "verdict" not in document
