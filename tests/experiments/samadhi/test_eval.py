"""`samadhi eval` on the tiny run: every figure with its baseline, internal consistency (claims: test_claims.py)."""

import json
import math

import pytest

from semphys.core.errors import UserError
from semphys.evidence import check_document
from semphys.experiments.samadhi.eval import SCHEMA_FILE, EvalConfig, run


def test_every_figure_has_its_baseline(tiny_eval, tiny_run) -> None:
    c, g = tiny_eval["concepts"], tiny_eval["gate"]
    assert set(c["baselines"]) == {"nearest_centroid", "linear_probe", "spec_untrained_vitakka", "chance"}
    assert c["baselines"]["chance"] == pytest.approx(1 / 3)
    assert set(g["auroc"]) == {"random", "shuffled", "noise", "word_salad"} and g["held_out_noise"] == ["word_salad"]
    for name in g["auroc"]:
        assert set(g["baselines"]) == {"spec_untrained_vitakka", "linear_classifier"}
        assert name in g["baselines"]["spec_untrained_vitakka"] and name in g["baselines"]["linear_classifier"]
    # AUROC by hand (Mann-Whitney pair counting) from the stored per-window scores
    real = g["max_scores"]["real"]
    for name, kinds in (("random", ["random"]), ("noise", ["random", "shuffled"]), ("word_salad", ["word_salad"])):
        noise = [v for k in kinds for v in g["max_scores"][k]]
        wins = sum((r > n) + 0.5 * (r == n) for r in real for n in noise)
        assert g["auroc"][name] == pytest.approx(wins / (len(real) * len(noise)), abs=1e-4), name
    assert len(g["max_scores"]["word_salad"]) == 3  # noise_fraction 0.5 x 12 real / 2
    assert len(g["max_scores"]["real"]) == c["n_windows"] == 12
    assert g["open_rate"]["real"] == pytest.approx(sum(s > g["theta"] for s in g["max_scores"]["real"]) / 12, abs=1e-6)
    document = json.loads((tiny_run.out_dir / "eval.json").read_text())
    assert document["concepts"] == c
    check_document(document, SCHEMA_FILE)


def test_refinement_and_solver_figures_are_consistent(tiny_eval) -> None:
    for variant, entry in tiny_eval["variants"].items():
        ref = entry["refinement"]
        if not ref.get("n_open"):
            continue
        assert sum(ref["steps_histogram"]) == ref["n_open"] == sum(ref["anderson"]["steps_histogram"])
        assert ref["steps"]["q1"] <= ref["steps"]["median"] <= ref["steps"]["q3"] <= ref["t_max"]
        assert ref["anderson"]["max_state_difference"] < 1e-2  # both solvers stop at the same fixed point
        betas = [row["beta"] for row in ref["steps_by_beta"]]
        assert betas == [0.3, 0.5, 0.7, 0.8, 0.9, 1.0]
        medians = [row["median_steps"] for row in ref["steps_by_beta"]]
        assert medians[0] > medians[-2]  # contraction by at best 1 - b per step: smaller b, more steps
        assert [r["sigma"] for r in entry["stability"]] == [0.01, 0.05, 0.2]
        retention = entry["retention"]
        assert retention["mi_nats"] <= retention["log_pairs"] + 1e-6
        assert 0 <= retention["winner_entropy_nats"] <= math.log(5) + 1e-9


def test_not_a_run_directory(tmp_path) -> None:
    with pytest.raises(UserError, match="not a samadhi run directory"):
        run(EvalConfig(tmp_path))


def test_a_gate_evaluated_on_random_labels_fails_through_the_evaluation(tiny_run, feature_cache, monkeypatch) -> None:
    """Known negative through the whole evaluation: held-out windows whose real/noise labels are shuffled."""
    import random

    from semphys.experiments.samadhi import eval as samadhi_eval
    from semphys.samadhi import data as data_module

    real_load = data_module.load_concept_data

    def shuffled(*args, **kwargs):
        data = real_load(*args, **kwargs)
        random.Random(0).shuffle(data.valid.kinds)
        return data

    monkeypatch.setattr(samadhi_eval, "load_concept_data", shuffled)
    document = run(EvalConfig(tiny_run.out_dir)).document  # not saved: the shared run's eval.json stays
    rows = {row["key"]: row for row in document["claims"]}
    assert rows["gate_noise"]["holds"] is False and rows["gate_noise"]["outcome"] == "fails"
