"""semphys.experiments.sweep.execute: finished jobs are skipped on a re-run; failures are retried, then kept on record."""

from pathlib import Path

from semphys.experiments.sweep import Inline, load_sweep_spec, run_sweep
from semphys.experiments.sweep.store import SweepStore

from .fakes import FlakyWorker


def test_rerun_runs_nothing_that_finished(small_spec: Path, tmp_path: Path) -> None:
    spec = load_sweep_spec(small_spec)
    first = run_sweep(spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache"), progress=False)
    assert (first.n_jobs, first.n_finished_before, first.n_run, first.n_ok) == (5, 0, 5, 5)
    files = {p: p.stat().st_mtime_ns for p in (tmp_path / "out" / "jobs").iterdir()}
    again = run_sweep(spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache"), progress=False)
    assert (again.n_finished_before, again.n_run) == (5, 0)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out" / "jobs").iterdir()} == files


def test_retryable_failures_are_retried_up_to_the_limit(small_spec: Path, tmp_path: Path) -> None:
    spec = load_sweep_spec(small_spec)
    stats = run_sweep(
        spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache", worker_class=FlakyWorker), progress=False
    )
    assert (stats.n_ok, stats.n_failed, stats.n_run) == (5, 0, 10)  # each job failed once, then succeeded
    records = SweepStore(tmp_path / "out").finished_records()
    assert {r["attempt"] for r in records} == {2}
    assert SweepStore(tmp_path / "out").failed_records() == []


def test_without_retries_a_failure_stays_on_record(small_spec: Path, tmp_path: Path) -> None:
    small_spec.write_text(small_spec.read_text() + "retries: 0\n")
    spec = load_sweep_spec(small_spec)
    stats = run_sweep(
        spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache", worker_class=FlakyWorker), progress=False
    )
    assert (stats.n_ok, stats.n_failed) == (0, 5)
    failed = SweepStore(tmp_path / "out").failed_records()
    assert len(failed) == 5 and {r["error"] for r in failed} == {"RuntimeError: flaky"}
    # a later run (a worker that behaves) finishes them and clears the record
    stats = run_sweep(spec, tmp_path / "out", Inline(cache_root=tmp_path / "cache"), progress=False)
    assert (stats.n_finished_before, stats.n_ok) == (0, 5)
    assert SweepStore(tmp_path / "out").failed_records() == []
