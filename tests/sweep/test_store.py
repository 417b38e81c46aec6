"""semphys.sweep.store: a directory holds one sweep; finished jobs are whole files; failures are kept."""

import json
from pathlib import Path

import pytest

from semphys.errors import UserError
from semphys.sweep.jobs import Job
from semphys.sweep.spec import parse_sweep_spec
from semphys.sweep.store import SweepStore
from semphys.sweep.worker import Outcome

SPEC = parse_sweep_spec("models: [minilm]\nwords: {names: [bank]}\n", "a.yaml")
OTHER = parse_sweep_spec("models: [minilm]\nwords: {names: [bat]}\n", "b.yaml")
JOB = Job("phase", "minilm", "bank", ())


def _outcome(status: str, **kwargs) -> Outcome:
    base = {"result": None, "error": None, "traceback": None, "retryable": False, "seconds": 1.5, "worker": "h:1"}
    return Outcome(JOB.id, status, **(base | kwargs))


def test_a_directory_holds_one_sweep(tmp_path: Path) -> None:
    store = SweepStore.open(tmp_path / "s", SPEC)
    identity = json.loads((tmp_path / "s" / "sweep.json").read_text())
    assert identity["fingerprint"] == SPEC.fingerprint() and identity["text"] == SPEC.text
    SweepStore.open(tmp_path / "s", SPEC)  # the same sweep again: resumes
    with pytest.raises(UserError, match="holds another sweep"):
        SweepStore.open(tmp_path / "s", OTHER)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x.txt").write_text("something else")
    with pytest.raises(UserError, match="exists and is not a sweep directory"):
        SweepStore.open(tmp_path / "busy", SPEC)
    assert store.finished() == set()


def test_failure_is_kept_until_the_job_finishes(tmp_path: Path) -> None:
    store = SweepStore.open(tmp_path, SPEC)
    store.record(JOB, _outcome("failed", error="RuntimeError: boom", traceback="tb", retryable=True), attempt=1)
    assert store.finished() == set()
    assert [r["error"] for r in store.failed_records()] == ["RuntimeError: boom"]
    store.record(JOB, _outcome("ok", result={"x": 1}), attempt=2)
    assert store.finished() == {JOB.id}
    assert store.failed_records() == []
    record = store.finished_records()[0]
    assert (record["status"], record["result"], record["attempt"], record["job"]["item"]) == ("ok", {"x": 1}, 2, "bank")
    assert sorted(p.name for p in store.jobs_dir.iterdir()) == [f"{JOB.id}.json"]  # no temporary files


def test_damaged_job_file_is_named(tmp_path: Path) -> None:
    store = SweepStore.open(tmp_path, SPEC)
    (store.jobs_dir / "abc.json").write_text("{not json")
    with pytest.raises(UserError, match="abc.json is damaged"):
        store.finished_records()
