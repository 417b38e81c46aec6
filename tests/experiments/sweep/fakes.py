"""Workers that misbehave on purpose, importable by name (the local pool spawns its processes)."""

import os
from pathlib import Path

from semphys.experiments.sweep.jobs import Task
from semphys.experiments.sweep.worker import Outcome, Worker

PID_FILE = "SEMPHYS_TEST_PID_FILE"
"""Environment variable: a path where `PidWorker` writes its process id."""
DIE_MARKER = "SEMPHYS_TEST_DIE_MARKER"
"""Environment variable: a path; the first worker to meet the word `bat` creates it and dies."""


class DyingWorker(Worker):
    """Kills its own process (as the OOM killer would) on the first task holding `bat`."""

    def run(self, task: Task) -> list[Outcome]:
        marker = Path(os.environ[DIE_MARKER])
        if any(job.item == "bat" for job in task.jobs) and not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(9)
        return super().run(task)


class FlakyWorker(Worker):
    """Fails each job's first attempt with a retryable error, then behaves."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: set[str] = set()

    def run(self, task: Task) -> list[Outcome]:
        fresh = [job for job in task.jobs if job.id not in self.seen]
        self.seen.update(job.id for job in task.jobs)
        if fresh:
            return [
                Outcome(job.id, "failed", None, "RuntimeError: flaky", "tb", True, 0.0, self.name) for job in task.jobs
            ]
        return super().run(task)


class PidWorker(Worker):
    """Writes its process id to the file named by `PID_FILE` and returns no outcomes."""

    def run(self, task: Task) -> list[Outcome]:
        Path(os.environ[PID_FILE]).write_text(str(os.getpid()))
        return []


class InterruptedWorker(Worker):
    """Runs its first task, then raises KeyboardInterrupt (Ctrl-C) on the next one, as a stopped sweep would."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ran = 0

    def run(self, task: Task) -> list[Outcome]:
        if self.ran >= 1:
            raise KeyboardInterrupt
        self.ran += 1
        return super().run(task)
