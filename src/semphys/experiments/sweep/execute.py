"""`run_sweep`: plan, skip what is finished, run the rest, record every outcome, merge.

A re-run of the same spec into the same directory runs only the jobs without a result file: a
killed sweep resumes where it stopped. A failed job is retried up to the spec's `retries` within a
run (when its failure is retryable: not a `UserError`), and its last failure stays on record in
`failed/` until it succeeds; the merged report lists it.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from semphys.experiments.sweep.jobs import Job, Plan, Task, make_tasks, plan_sweep
from semphys.experiments.sweep.spec import SweepSpec
from semphys.experiments.sweep.store import SweepStore
from semphys.experiments.sweep.worker import Outcome

Log = Callable[[str], None]


class Executor(Protocol):
    def run(self, tasks: list[Task], done: Callable[[Task, list[Outcome]], Iterable[Task]]) -> None: ...


@dataclass(frozen=True)
class RunStats:
    """What one `run_sweep` call did."""

    n_jobs: int
    n_finished_before: int
    n_run: int
    """Job outcomes recorded by this call (retries count again)."""
    n_ok: int
    n_skipped: int
    n_failed: int
    """Jobs whose last outcome in this call was a failure."""
    seconds: float

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def run_sweep(
    spec: SweepSpec,
    out_dir: Path,
    executor: Executor,
    log: Log | None = None,
    progress: bool | None = None,
    plan: Plan | None = None,
) -> RunStats:
    """Run every unfinished job of `spec` on `executor`, writing each outcome into `out_dir` as it comes."""
    start = time.perf_counter()
    plan = plan or plan_sweep(spec)
    store = SweepStore.open(out_dir, spec)
    finished = store.finished()
    pending = [job for job in plan.jobs if job.id not in finished]
    say = log or (lambda message: None)
    if store.damaged():
        say(
            f"warning: {len(store.damaged())} damaged job files (failed checksum) set aside in "
            f"{store.out_dir / 'damaged'}; their jobs run again"
        )
    say(f"{len(plan.jobs)} jobs: {len(plan.jobs) - len(pending)} finished earlier, {len(pending)} to run")
    by_id: dict[str, Job] = {job.id: job for job in pending}
    attempts: Counter[str] = Counter()
    last: dict[str, str] = {}
    bar = tqdm(total=len(pending), desc="sweep", unit="job", disable=progress is False or not pending)

    def done(task: Task, outcomes: list[Outcome]) -> list[Task]:
        retry = []
        for outcome in outcomes:
            job = by_id[outcome.job_id]
            attempts[job.id] += 1
            store.record(job, outcome, attempts[job.id])
            last[job.id] = outcome.status
            if outcome.status == "failed" and outcome.retryable and attempts[job.id] <= spec.retries:
                say(f"retrying {job.kind} {job.model} {job.item} ({outcome.error})")
                retry.append(Task(task.kind, task.model, task.settings, (job,)))
            else:
                bar.update(1)
                if outcome.status == "failed":
                    say(f"failed: {job.kind} {job.model} {job.item}: {outcome.error}")
        return retry

    try:
        if pending:
            executor.run(make_tasks(pending, spec.batch_words), done)
    finally:
        bar.close()
    counts = Counter(last.values())
    return RunStats(
        n_jobs=len(plan.jobs),
        n_finished_before=len(plan.jobs) - len(pending),
        n_run=sum(attempts.values()),
        n_ok=counts["ok"],
        n_skipped=counts["skipped"],
        n_failed=counts["failed"],
        seconds=time.perf_counter() - start,
    )
