"""semphys.experiments.sweep.store: a directory holds one sweep; finished jobs are whole files; failures are kept."""

import json
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.experiments.sweep.jobs import Job
from semphys.experiments.sweep.spec import parse_sweep_spec
from semphys.experiments.sweep.store import SweepStore
from semphys.experiments.sweep.worker import Outcome

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
    with pytest.raises(UserError, match="is not empty and is not a semphys run directory"):
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


@pytest.mark.parametrize("damage", ["not json", "flipped digit", "no checksum"])
def test_a_damaged_job_file_is_set_aside_and_its_job_runs_again(tmp_path: Path, damage: str) -> None:
    store = SweepStore.open(tmp_path, SPEC)
    store.record(JOB, _outcome("ok", result={"sigma": [0.25, 0.5]}), attempt=1)
    path = store.jobs_dir / f"{JOB.id}.json"
    text = path.read_text()
    path.write_text(
        {
            "not json": "{not json",
            "flipped digit": text.replace("0.25", "0.35"),
            "no checksum": json.dumps({k: v for k, v in json.loads(text).items() if k != "crc32"}),
        }[damage]
    )
    assert store.finished() == set()  # the job runs again
    assert store.finished_records() == [] and [p.name for p in store.damaged()] == [f"{JOB.id}.json"]
    store.record(JOB, _outcome("ok", result={"sigma": [0.25, 0.5]}), attempt=2)
    assert store.finished() == {JOB.id} and store.finished_records()[0]["result"] == {"sigma": [0.25, 0.5]}


def _rewrite_identity(out: Path, **changes) -> None:
    path = out / "sweep.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | changes))


def test_ran_spec_reads_back_the_spec_the_directory_ran(tmp_path: Path) -> None:
    store = SweepStore.open(tmp_path / "s", SPEC)
    assert store.ran_spec().fingerprint() == SPEC.fingerprint()


def test_ran_spec_refuses_a_directory_without_sweep_json(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is not a sweep directory"):
        SweepStore(tmp_path).ran_spec()


def test_ran_spec_says_the_inputs_changed_when_the_fingerprint_differs(tmp_path: Path) -> None:
    store = SweepStore.open(tmp_path / "s", SPEC)
    _rewrite_identity(store.out_dir, fingerprint="0123456789abcdef")
    with pytest.raises(UserError) as caught:
        store.ran_spec()
    message = str(caught.value)
    assert "changed since it ran" in message and "0123456789abcdef" in message and "into a new directory" in message
    assert "\n" not in message


def test_ran_spec_names_a_spec_this_version_no_longer_accepts(tmp_path: Path) -> None:
    # a sweep made when `words: {wordnet: N}` meant per-word jobs, with a per-word key beside it
    store = SweepStore.open(tmp_path / "s", SPEC)
    _rewrite_identity(store.out_dir, text="models: [minilm]\nwords: {wordnet: 5}\nphase: {primary_mode: final}\n")
    with pytest.raises(UserError) as caught:
        store.ran_spec()
    message = str(caught.value)
    assert "no longer accepts" in message and "phase.primary_mode" in message and "into a new directory" in message
