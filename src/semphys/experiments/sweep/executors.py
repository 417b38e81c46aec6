"""Where tasks run: in this process, in a local pool of worker processes, or on a Ray cluster.

Every executor has one method, `run(tasks, done)`: it runs the tasks, calls `done(task, outcomes)`
in the driver as each finishes, and also runs the tasks `done` returns (retries). Scheduling keeps
a worker on the models it already holds: a free worker takes the first pending task of a model it
has loaded, else the first pending task. A worker that dies (killed, out of memory) fails its task's
jobs with a retryable outcome, and is replaced.

    Inline      `--workers 0`: this process (debugging, tests)
    LocalPool   `--workers N`: N spawned processes on this machine (default)
    RayPool     `--ray ADDRESS`: one Ray actor per worker on an existing cluster (`semphys.experiments.sweep.cluster`)
"""

import multiprocessing
import os
import queue
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from semphys.core.errors import UserError
from semphys.experiments.sweep.jobs import Task
from semphys.experiments.sweep.worker import Outcome, Worker

Done = Callable[[Task, list[Outcome]], Iterable[Task]]


def crash_outcomes(task: Task, why: str, worker: str) -> list[Outcome]:
    """Retryable failures for every job of a task whose worker died."""
    return [Outcome(job.id, "failed", None, why, None, retryable=True, seconds=0.0, worker=worker) for job in task.jobs]


def next_task(pending: deque[Task], loaded: set[str]) -> Task:
    """Pop the first pending task of a model in `loaded`, else the first pending task."""
    for index, task in enumerate(pending):
        if task.model in loaded:
            del pending[index]
            return task
    return pending.popleft()


@dataclass
class Inline:
    """Runs every task in this process, one after another."""

    device: str = "cpu"
    cache_root: Path | None | bool = None
    worker_class: type[Worker] = Worker
    """What runs the tasks (a `Worker` subclass can add behaviour, e.g. a test's failures)."""

    def run(self, tasks: list[Task], done: Done) -> None:
        worker = self.worker_class(self.device, self.cache_root)
        pending = deque(tasks)
        while pending:
            task = next_task(pending, set(worker.loaded))
            pending.extend(done(task, worker.run(task)))


def _child(
    index: int,
    inbox: "multiprocessing.Queue",
    outbox: "multiprocessing.Queue",
    worker_class: type[Worker],
    device: str,
    cache_root: Path | None | bool,
    threads: int,
) -> None:
    """A pool process: build a Worker, then run tasks from `inbox` until it gets None."""
    try:
        worker = worker_class(device, cache_root, threads)
    except UserError as err:
        outbox.put(("fatal", index, str(err)))
        return
    while (task := _next_task(inbox)) is not None:
        outbox.put(("done", index, worker.run(task)))


def _next_task(inbox: "multiprocessing.Queue") -> Task | None:
    """The next task, or None when told to stop or when the driver is gone.

    A driver killed outright (SIGKILL, the OOM killer) runs no clean-up, and the queue never reports
    end-of-file (this process holds its write end too), so the pool process checks that its parent
    is alive while it waits; without that it would live on, holding its models, for ever.
    """
    parent = multiprocessing.parent_process()
    while True:
        try:
            return inbox.get(timeout=PARENT_CHECK_SECONDS)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return None


PARENT_CHECK_SECONDS = 2.0
"""How often an idle pool process checks that the driver still runs."""


@dataclass
class _Slot:
    process: multiprocessing.process.BaseProcess
    inbox: "multiprocessing.Queue"
    loaded: set[str] = field(default_factory=set)
    task: Task | None = None


@dataclass
class LocalPool:
    """`n_workers` processes on this machine (spawned, so each starts clean), torch threads shared out."""

    n_workers: int
    device: str = "cpu"
    cache_root: Path | None | bool = None
    worker_class: type[Worker] = Worker
    """What each process builds; must be importable by name (the processes are spawned)."""
    poll_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.n_workers < 1:
            raise UserError(f"a local pool needs at least 1 worker, got {self.n_workers} (0 runs inline)")

    def run(self, tasks: list[Task], done: Done) -> None:
        context = multiprocessing.get_context("spawn")
        outbox = context.Queue()
        threads = max(1, (os.cpu_count() or 1) // self.n_workers)

        def start(index: int) -> _Slot:
            inbox = context.Queue()
            process = context.Process(
                target=_child,
                args=(index, inbox, outbox, self.worker_class, self.device, self.cache_root, threads),
                name=f"semphys-sweep-{index}",
                daemon=True,
            )
            process.start()
            return _Slot(process, inbox)

        slots = [start(i) for i in range(min(self.n_workers, len(tasks)) or 1)]
        pending = deque(tasks)
        try:
            while pending or any(s.task for s in slots):
                for slot in slots:
                    if slot.task is None and pending:
                        slot.task = next_task(pending, slot.loaded)
                        slot.inbox.put(slot.task)
                try:
                    kind, index, payload = outbox.get(timeout=self.poll_seconds)
                except queue.Empty:
                    for index, slot in enumerate(slots):
                        if slot.task is not None and not slot.process.is_alive():
                            why = f"worker process died (exit code {slot.process.exitcode}; killed or out of memory?)"
                            task = slot.task
                            slots[index] = start(index)
                            pending.extend(done(task, crash_outcomes(task, why, slot.process.name)))
                    continue
                if kind == "fatal":
                    raise UserError(payload)
                slot = slots[index]
                task, slot.task = slot.task, None
                slot.loaded.add(task.model)
                pending.extend(done(task, payload))
        finally:
            for slot in slots:
                if slot.process.is_alive():
                    slot.inbox.put(None)
            for slot in slots:
                slot.process.join(timeout=10)
                if slot.process.is_alive():
                    slot.process.terminate()
