"""semphys.experiments.sweep.report: the report of a sweep opens cleanly and shows what failed and what is pending."""

import json
from pathlib import Path

from semphys.experiments.sweep import Inline, load_sweep_spec, plan_sweep, run_sweep, write_outputs
from semphys.experiments.sweep.report import display_labels
from semphys.experiments.sweep.store import SweepStore

from .fakes import FlakyWorker


def test_report_of_a_partly_failed_sweep(small_spec: Path, tmp_path: Path, open_page) -> None:
    small_spec.write_text(small_spec.read_text() + "retries: 0\n")
    spec = load_sweep_spec(small_spec)
    plan = plan_sweep(spec)
    run_sweep(spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache"), progress=False)
    store = SweepStore(tmp_path / "out")
    victim = next(j for j in plan.jobs if j.kind == "phase")
    (store.jobs_dir / f"{victim.id}.json").unlink()
    run_sweep(spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache", worker_class=FlakyWorker), progress=False)
    paths = write_outputs(plan, store, {"note": "test"})
    assert {"results", "jobs", "summary", "universality", "exponents", "pass_rates", "report"} <= set(paths)
    page = paths["report"].read_text()
    assert "RuntimeError: flaky" in page and "primary_mode=final" in page
    summary = json.loads(paths["summary"].read_text())
    assert set(summary["settings"]) == set(display_labels(plan))
    check = open_page(paths["report"])
    assert len(check.images) == 3 and not check.problems, check.problems


def test_display_labels_show_only_what_varies(small_spec: Path) -> None:
    labels = display_labels(plan_sweep(load_sweep_spec(small_spec)))
    assert sorted(labels.values()) == ["primary_mode=final", "primary_mode=per-layer"]
