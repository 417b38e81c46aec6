"""The verdict table: judged against thresholds, n/a when not computable; the sign sanity check."""

import dataclasses

import pytest

from semphys.phase.config import Thresholds
from semphys.phase.exponents import exponent_statistics, universality
from semphys.phase.verdict import ModelSummary, judge, verdict


def _summary(model: str, jumps, r2, betas, chi) -> ModelSummary:
    return ModelSummary(model=model, variant="per-layer/standardised", n_layers=10, jumps=jumps, r2=r2,
                        exponents=exponent_statistics(betas), interior_exponents=exponent_statistics(betas),
                        lc=[4.0], lc_ratio=0.4, word_lc={"w": 4.0}, chi_peak={"w": 5}, chi_distance={"w": chi},
                        null_jumps=[0.01], null_r2=[0.5], null_exponents=None, null_interior_exponents=None,
                        random_jumps=[])


def test_rows_pass_and_fail_as_measured() -> None:
    good = _summary("a", [0.2, 0.4, 0.3], [0.95, 0.97, 0.99], [0.5, 0.5, 0.6], 1.0)
    bad = _summary("b", [0.01, 0.02, 0.03], [0.5, 0.6, 0.7], [0.1, 1.0, 2.0], None)
    rows = verdict([good, bad], universality({"a": 0.4, "b": 0.7}), Thresholds())
    table = {(r.model, r.key): r for r in rows}
    assert table["a", "jump"].value == pytest.approx(0.3) and table["a", "jump"].passed
    assert table["a", "jump"].null_value == pytest.approx(0.01)
    assert table["a", "r2"].passed and table["a", "beta_cv"].passed and table["a", "chi_peak"].passed
    assert table["b", "jump"].passed is False and table["b", "r2"].passed is False and table["b", "beta_cv"].passed is False
    assert table["b", "chi_peak"].passed is None and table["b", "chi_peak"].outcome == "n/a"
    assert table["all models", "lc_spread"].value == pytest.approx(0.3) and table["all models", "lc_spread"].passed is False


def test_betas_on_a_bound_are_not_judged() -> None:
    summary = _summary("a", [0.2], [0.95], [0.1, 0.1, 0.1, 0.5], 1.0)
    summary = dataclasses.replace(summary, interior_exponents=exponent_statistics([0.5]))
    row = next(r for r in verdict([summary], universality({"a": 0.4}), Thresholds()) if r.key == "beta_cv")
    assert row.passed is None and "1 of 4 prompts" in row.detail and "limit, not an estimate" in row.detail


def test_one_model_cannot_judge_universality() -> None:
    rows = verdict([_summary("a", [0.2], [0.95], [0.5], 1.0)], universality({"a": 0.4}), Thresholds())
    assert rows[-1].passed is None and "needs two or more models" in rows[-1].detail
    assert judge(0.1, 0.1, ">") is False and judge(float("nan"), 0.1, ">") is None


def test_sign_accuracy_on_the_real_run(builtin_run) -> None:
    for model in builtin_run.models:
        result = model.sign["standardised"]
        strong = result["accuracy"]["strong"]
        assert strong["n"] == 8 and strong["hits"] >= 6
        assert all(row["match"] == (row["sigma_last"] * row["expected_sign"] > 0) for row in result["prompts"])
        assert model.null_sign is not None and 0.25 < model.null_sign < 0.75  # shuffled labels: a coin flip
