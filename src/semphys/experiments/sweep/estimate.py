"""`semphys sweep plan`'s cost estimate: seconds per job, measured, times the jobs left to run.

Seconds per job come from measurements, never from a guess: the finished jobs of this sweep's own
directory (`--out`), else one job of each (kind, model) timed here with the model already loaded
(`--calibrate`). Without either, the estimate says it does not know. Model loading is not counted
(each worker loads each model once: seconds, see `semphys lm info`).
"""

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from semphys.experiments.sweep.jobs import Plan, Task
from semphys.experiments.sweep.store import SweepStore
from semphys.experiments.sweep.worker import Worker


def _measured(plan: Plan, out_dir: Path | None) -> tuple[dict[tuple[str, str], list[float]], set[str]]:
    """Seconds of the ok jobs in `out_dir` when it holds this sweep, per (kind, model); and their ids."""
    seconds: dict[tuple[str, str], list[float]] = defaultdict(list)
    if out_dir is None or not (Path(out_dir) / "sweep.json").is_file():
        return seconds, set()
    store = SweepStore(out_dir)
    if store.read_identity().get("fingerprint") != plan.spec.fingerprint():
        return seconds, set()
    records = store.finished_records()
    for record in records:
        if record["status"] == "ok":
            seconds[record["job"]["kind"], record["job"]["model"]].append(record["seconds"])
    return seconds, {r["job"]["id"] for r in records}


def _calibrate(plan: Plan, missing: list[tuple[str, str]], log: Callable[[str], None]) -> dict[tuple[str, str], float]:
    worker = Worker(plan.spec.device)
    timed = {}
    for kind, model in missing:
        job = next(j for j in plan.jobs if (j.kind, j.model) == (kind, model))
        log(f"calibrating: one {kind} job on {model}")
        worker.model(model)
        start = time.perf_counter()
        worker.run(Task(kind, model, job.settings, (job,)))
        timed[kind, model] = time.perf_counter() - start
    return timed


def estimate_cost(
    plan: Plan, out_dir: Path | None, calibrate: bool, workers: int, log: Callable[[str], None] = lambda message: None
) -> dict[str, Any]:
    """{rows: [{kind, model, jobs, to_run, seconds_per_job, source}], seconds: total / workers or None}."""
    measured, finished = _measured(plan, out_dir)
    per_job = {key: statistics.median(values) for key, values in measured.items()}
    source = {key: "finished jobs of this sweep" for key in per_job}
    missing = [key for key in plan.counts() if key not in per_job]
    if calibrate and missing:
        for key, seconds in _calibrate(plan, missing, log).items():
            per_job[key], source[key] = seconds, "calibration here"
    rows = []
    for (kind, model), n in plan.counts().items():
        to_run = sum(1 for j in plan.jobs if (j.kind, j.model) == (kind, model) and j.id not in finished)
        rows.append(
            {
                "kind": kind,
                "model": model,
                "jobs": n,
                "to_run": to_run,
                "seconds_per_job": per_job.get((kind, model)),
                "source": source.get((kind, model)),
            }
        )
    known = all(r["seconds_per_job"] is not None or r["to_run"] == 0 for r in rows)
    total = sum(r["to_run"] * (r["seconds_per_job"] or 0) for r in rows) / max(1, workers) if known else None
    return {"rows": rows, "seconds": total, "workers": workers}
