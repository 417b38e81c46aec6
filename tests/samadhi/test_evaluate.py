"""Evaluation of the tiny run: every figure with its baseline, internal consistency, the verdict."""

import json
import math

import pytest

from semphys.errors import UserError
from semphys.samadhi.evaluate import evaluate_run


def test_every_figure_has_its_baseline(tiny_eval, tiny_run) -> None:
    c, g = tiny_eval["concepts"], tiny_eval["gate"]
    assert set(c["baselines"]) == {"nearest_centroid", "linear_probe", "spec_untrained_vitakka", "chance"}
    assert c["baselines"]["chance"] == pytest.approx(1 / 3)
    assert set(g["auroc"]) == {"random", "shuffled", "noise"}
    for name in ("random", "shuffled", "noise"):
        assert 0 <= g["auroc"][name] <= 1
        assert 0 <= g["baselines"]["spec_untrained_vitakka"][name] <= 1
        assert 0 <= g["baselines"]["linear_classifier"][name] <= 1
    assert len(g["max_scores"]["real"]) == c["n_windows"] == 12
    assert g["open_rate"]["real"] == pytest.approx(sum(s > g["theta"] for s in g["max_scores"]["real"]) / 12, abs=1e-6)
    assert json.loads((tiny_run.out_dir / "eval.json").read_text())["concepts"] == c


def test_refinement_and_solver_figures_are_consistent(tiny_eval) -> None:
    for variant, entry in tiny_eval["variants"].items():
        ref = entry["refinement"]
        if not ref.get("n_open"):
            continue
        assert sum(ref["steps_histogram"]) == ref["n_open"] == sum(ref["anderson"]["steps_histogram"])
        assert ref["steps"]["q1"] <= ref["steps"]["median"] <= ref["steps"]["q3"] <= ref["t_max"]
        assert ref["anderson"]["max_state_difference"] < 1e-2  # both solvers stop at the same fixed point
        betas = [row["beta"] for row in ref["steps_by_beta"]]
        assert betas == [0.5, 0.8, 0.9, 1.0]
        assert [r["sigma"] for r in entry["stability"]] == [0.01, 0.05, 0.2]
        retention = entry["retention"]
        assert retention["mi_nats"] <= retention["log_pairs"] + 1e-6
        assert 0 <= retention["winner_entropy_nats"] <= math.log(5) + 1e-9


def test_verdict_rows_compare_value_and_baseline(tiny_eval) -> None:
    rows = tiny_eval["verdict"]
    assert rows[0]["claim"].startswith("winner-probe accuracy")
    assert rows[0]["holds"] == (rows[0]["value"] >= rows[0]["baseline"])
    assert rows[1]["holds"] == (rows[1]["value"] >= 0.9)


def test_not_a_run_directory(tmp_path) -> None:
    with pytest.raises(UserError, match="not a samadhi run directory"):
        evaluate_run(tmp_path)
