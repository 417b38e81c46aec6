"""semphys.experiments.sweep: spec 001's suite (per word, or at WordNet scale; and spec 000's temperature probe, the
held-out sense readout) over many models, words and settings.

    spec        SweepSpec, load_sweep_spec, parse_sweep_spec: the YAML sweep spec
    jobs        Job, Task, Plan, plan_sweep, make_tasks: what runs, identified by content
    worker      Worker, Outcome: runs tasks, keeps its models loaded
    executors   Inline, LocalPool: in this process or in local worker processes
    cluster     RayPool: Ray actors on an existing cluster
    store       SweepStore: the output directory, one atomic file per finished job
    execute     run_sweep: skip finished jobs, run the rest, retry, record
    merge       tables (Parquet) and the aggregates over words
    estimate    estimate_cost for `semphys sweep plan`
    plots, report   figures and report.html

Sits on top of the house, beside `cli` and `demo`: it imports `phase` and `langevin`, which never
import it.
"""

from semphys.experiments.sweep.cluster import RayPool
from semphys.experiments.sweep.estimate import estimate_cost
from semphys.experiments.sweep.execute import RunStats, run_sweep
from semphys.experiments.sweep.executors import Inline, LocalPool
from semphys.experiments.sweep.jobs import Job, Plan, Task, make_tasks, plan_sweep
from semphys.experiments.sweep.report import write_outputs
from semphys.experiments.sweep.spec import SweepSpec, load_sweep_spec, parse_sweep_spec
from semphys.experiments.sweep.store import SweepStore
from semphys.experiments.sweep.worker import Outcome, Worker

__all__ = [
    "Inline",
    "Job",
    "LocalPool",
    "Outcome",
    "Plan",
    "RayPool",
    "RunStats",
    "SweepSpec",
    "SweepStore",
    "Task",
    "Worker",
    "estimate_cost",
    "load_sweep_spec",
    "make_tasks",
    "parse_sweep_spec",
    "plan_sweep",
    "run_sweep",
    "write_outputs",
]
