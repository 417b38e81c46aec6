"""semphys.experiments.sweep.executors: affinity scheduling; a dead worker process fails its task, is replaced, and the
sweep goes on; a driver killed outright leaves no pool process behind."""

import os
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.experiments.sweep.executors import Inline, LocalPool, next_task
from semphys.experiments.sweep.jobs import Job, Task
from semphys.phase import BUILTIN

from .fakes import DIE_MARKER, PID_FILE, DyingWorker

SETTINGS = (("n_bootstrap", 0), ("n_label_shuffles", 2), ("n_random_directions", 2), ("n_null_draws", 10))


def _task(word: str, model: str = "minilm") -> Task:
    return Task("phase", model, SETTINGS, (Job("phase", model, word, SETTINGS, BUILTIN[word]),))


def test_a_free_worker_takes_a_task_of_a_model_it_holds() -> None:
    pending = deque([_task("bank", "embedded"), _task("bat", "minilm"), _task("crane", "embedded")])
    assert next_task(pending, {"minilm"}).model == "minilm"
    assert next_task(pending, {"minilm"}).jobs[0].item == "bank"  # none held: the first one
    assert len(pending) == 1


def test_inline_runs_retries_that_done_returns(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []
    retried: set[str] = set()

    def done(task, outcomes):
        seen.extend((task.jobs[0].item, o.status) for o in outcomes)
        if task.jobs[0].item == "bank" and "bank" not in retried:
            retried.add("bank")
            return [task]
        return []

    Inline(cache_root=tmp_path).run([_task("bank"), _task("bat")], done)
    assert seen == [("bank", "ok"), ("bat", "ok"), ("bank", "ok")]


def test_local_pool_survives_a_killed_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "died"
    monkeypatch.setenv(DIE_MARKER, str(marker))
    outcomes: dict[str, list[str]] = {}

    def done(task, results):
        item = task.jobs[0].item
        outcomes.setdefault(item, []).extend(o.status for o in results)
        if results[0].status == "failed":
            assert results[0].retryable and "worker process died" in results[0].error
            return [task] if len(outcomes[item]) < 2 else []
        return []

    LocalPool(2, cache_root=tmp_path / "cache", worker_class=DyingWorker, poll_seconds=0.2).run(
        [_task("bank"), _task("bat"), _task("crane")], done
    )
    assert marker.exists()
    assert outcomes == {"bank": ["ok"], "bat": ["failed", "ok"], "crane": ["ok"]}


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(UserError, match="at least 1 worker"):
        LocalPool(0)


DRIVER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.experiments.sweep.fakes import PidWorker
from tests.experiments.sweep.test_executors import _task
from semphys.experiments.sweep.executors import LocalPool
LocalPool(1, cache_root={cache!r}, worker_class=PidWorker, poll_seconds=0.2).run(
    [_task("bank")], lambda task, outcomes: time.sleep(600))
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_pool_processes_exit_when_the_driver_is_killed_outright(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    root = str(Path(__file__).resolve().parents[3])
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER.format(root=root, cache=str(tmp_path / "cache"))],
        env={**os.environ, PID_FILE: str(pid_file)},
        cwd=root,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline and driver.poll() is None:
            time.sleep(0.1)
        assert pid_file.exists(), "the pool process never ran its task"
        worker = int(pid_file.read_text())
        os.kill(driver.pid, signal.SIGKILL)  # the driver only, as the OOM killer would: no clean-up runs
        driver.wait()
        deadline = time.monotonic() + 15
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _running(worker), "the pool process outlived its driver"
    finally:
        driver.kill()
        if worker is not None and _running(worker):
            os.kill(worker, signal.SIGKILL)
