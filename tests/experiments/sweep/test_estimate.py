"""semphys.experiments.sweep.estimate: the cost comes from measurements (finished jobs or a calibration), else is unknown."""

from pathlib import Path

import pytest

from semphys.experiments.sweep import Inline, estimate_cost, load_sweep_spec, plan_sweep, run_sweep


def test_unknown_without_a_measurement(small_spec: Path) -> None:
    estimate = estimate_cost(plan_sweep(load_sweep_spec(small_spec)), None, calibrate=False, workers=1)
    assert estimate["seconds"] is None and all(r["seconds_per_job"] is None for r in estimate["rows"])


def test_from_the_finished_jobs_of_this_sweep(small_spec: Path, tmp_path: Path) -> None:
    spec = load_sweep_spec(small_spec)
    run_sweep(spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache"), progress=False)
    estimate = estimate_cost(plan_sweep(spec), tmp_path / "out", calibrate=False, workers=2)
    rows = {r["kind"]: r for r in estimate["rows"]}
    assert rows["phase"]["jobs"] == 4 and rows["phase"]["to_run"] == 0
    assert rows["phase"]["seconds_per_job"] > 0 and rows["phase"]["source"] == "finished jobs of this sweep"
    assert estimate["seconds"] == 0  # nothing left to run


def test_calibration_times_one_job_per_kind_and_model(small_spec: Path) -> None:
    plan = plan_sweep(load_sweep_spec(small_spec))
    estimate = estimate_cost(plan, None, calibrate=True, workers=2)
    rows = {r["kind"]: r for r in estimate["rows"]}
    assert rows["phase"]["source"] == rows["qk_pca"]["source"] == "calibration here"
    expected = (4 * rows["phase"]["seconds_per_job"] + rows["qk_pca"]["seconds_per_job"]) / 2
    assert estimate["seconds"] == pytest.approx(expected)
