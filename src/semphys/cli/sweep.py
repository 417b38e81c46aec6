"""`semphys sweep plan|run|report`: spec 001 (and friends) over many models, words and settings.

The spec format is in `semphys.experiments.sweep.spec` and the README; the output directory's layout in
`semphys.experiments.sweep.store`; the merged tables in `semphys.experiments.sweep.merge`.
"""

import json
from pathlib import Path

import typer

from semphys.cli.common import say
from semphys.core.validate import require_at_least, require_directory_option, require_non_negative

app = typer.Typer(
    help="Sweeps: many models x many words x settings, locally or on a Ray cluster.", no_args_is_help=True
)

MAX_JOBS = 100_000
"""Default of --max-jobs (`semphys.experiments.sweep.jobs.MAX_JOBS`; kept here so `--help` needs no sweep import)."""

SPEC_HELP = (
    "Sweep spec (YAML): models, words (names: [...] | prompts: FILE: a job per word; wordnet: N | all: spec 001 at "
    "WordNet scale, a job per model and grid point), phase grid, ..."
)


@app.command()
def plan(
    spec: Path = typer.Argument(..., help=SPEC_HELP),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="A directory of this sweep: its finished jobs give "
        "the per-job cost of the estimate and are left out of it.",
    ),
    calibrate: bool = typer.Option(
        False,
        "--calibrate",
        help="Time one job of each (kind, model) here first (loads each model) and estimate from that.",
    ),
    workers: int = typer.Option(1, "--workers", help="Workers to divide the estimate by."),
    max_jobs: int = typer.Option(
        MAX_JOBS,
        "--max-jobs",
        help="Refuse a sweep of more jobs than this (counted from the axes' lengths before any grid is expanded).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
) -> None:
    """Print the jobs of a sweep and an estimate of their cost."""
    from semphys.experiments.sweep import estimate_cost, load_sweep_spec, plan_sweep

    require_at_least("--workers", workers, 1)
    require_at_least("--max-jobs", max_jobs, 1)
    sweep = load_sweep_spec(spec)
    jobs = plan_sweep(sweep, max_jobs)
    estimate = estimate_cost(jobs, out, calibrate, workers, log=say)
    document = {
        "fingerprint": sweep.fingerprint(),
        "n_jobs": len(jobs.jobs),
        "jobs": [{"kind": k, "model": m, "jobs": n} for (k, m), n in jobs.counts().items()],
        "skipped_words": [{"word": s.word, "reason": s.reason} for s in jobs.skipped_words],
        "estimate": estimate,
    }
    if as_json:
        print(json.dumps(document, indent=2))
        return
    print(f"sweep {document['fingerprint']}: {len(jobs.jobs)} jobs")
    for row in estimate["rows"]:
        cost = "unknown" if row["seconds_per_job"] is None else f"{row['seconds_per_job']:.2f} s/job ({row['source']})"
        print(f"  {row['kind']:<9} {row['model']:<24} {row['jobs']:>6} jobs, {row['to_run']:>6} to run   {cost}")
    for skipped in jobs.skipped_words:
        print(f"  skipped word {skipped.word!r}: {skipped.reason}")
    total = estimate["seconds"]
    print(
        "estimate: "
        + (
            "unknown for some jobs; pass --calibrate or --out DIR of this sweep"
            if total is None
            else f"{total / 60:.1f} min on {workers} worker(s)"
        )
    )


@app.command()
def run(
    spec: Path = typer.Argument(..., help=SPEC_HELP),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Sweep directory: one file per finished job, merged tables, report.html. A re-run into it resumes.",
    ),
    workers: int = typer.Option(1, "--workers", "-w", help="Local worker processes (0: run in this process)."),
    ray: str | None = typer.Option(
        None,
        "--ray",
        help="Run on the Ray cluster at this address (auto, HOST:PORT or ray://HOST:PORT) instead of locally.",
    ),
    ray_workers: int | None = typer.Option(
        None, "--ray-workers", help="Ray actors (default: one per CPU, or per GPU for device cuda)."
    ),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Read and write the activation cache."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Activation cache root (default $SEMPHYS_CACHE/activations)."
    ),
    max_jobs: int = typer.Option(
        MAX_JOBS,
        "--max-jobs",
        help="Refuse a sweep of more jobs than this (counted from the axes' lengths before any grid is expanded).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document (counts and paths) on stdout."),
) -> None:
    """Run every unfinished job of the sweep, then merge the results and write the report.

    Exit code 0 when every job finished (ok or skipped with a reason), 1 when any job failed (they are
    listed in OUT/failed/ and in the report), 2 for bad input.
    """
    from semphys.core.rundir import check_run_dir
    from semphys.experiments.sweep import (
        Inline,
        LocalPool,
        RayPool,
        load_sweep_spec,
        plan_sweep,
        run_sweep,
        write_outputs,
    )
    from semphys.experiments.sweep.store import COMMAND, SweepStore

    require_non_negative("--workers", workers)
    require_at_least("--max-jobs", max_jobs, 1)
    if ray_workers is not None:
        require_at_least("--ray-workers", ray_workers, 1)
    if cache and cache_dir is not None:
        require_directory_option("--cache-dir", cache_dir)
    require_directory_option("--out", out)
    sweep = load_sweep_spec(spec)  # every model spec is checked here (its config, never its weights)
    if ray is None:  # a Ray cluster's GPUs are not this machine's
        from semphys.lm.models.loading import parse_device

        parse_device(sweep.device)
    check_run_dir(out, COMMAND, {"fingerprint": sweep.fingerprint()})
    cache_root = cache_dir if cache else False
    if ray is not None:
        from semphys.experiments.sweep.cluster import connect

        connect(ray)  # fail before any directory is written when the cluster cannot be reached
        executor = RayPool(ray, ray_workers, sweep.device, cache_root)
    elif workers == 0:
        executor = Inline(sweep.device, cache_root)
    else:
        executor = LocalPool(workers, sweep.device, cache_root)
    jobs = plan_sweep(sweep, max_jobs)
    for skipped in jobs.skipped_words:
        say(f"warning: word {skipped.word!r} skipped: {skipped.reason}")
    stats = run_sweep(sweep, out, executor, log=say, plan=jobs)
    run_info = stats.to_dict() | {"executor": "ray" if ray else "inline" if workers == 0 else f"local x{workers}"}
    paths = write_outputs(jobs, SweepStore(out), run_info)
    if as_json:
        print(json.dumps({"run": run_info, "files": {k: str(v) for k, v in paths.items()}}, indent=2))
    else:
        say(
            f"{stats.n_ok} ok, {stats.n_skipped} skipped, {stats.n_failed} failed this run; "
            f"{stats.n_finished_before} finished earlier"
        )
        print(paths["report"])
    if stats.n_failed:
        say(
            f"error: {stats.n_failed} of {stats.n_jobs} jobs failed; each is in {Path(out) / 'failed'} with its "
            f"error and traceback, and listed in {paths['report']}"
        )
        raise typer.Exit(1)


@app.command()
def report(
    out: Path = typer.Argument(..., help="A sweep directory."),
) -> None:
    """Merge a sweep directory as it stands (finished or not) and rewrite its tables and report."""
    from semphys.experiments.sweep import SweepStore, plan_sweep, write_outputs

    store = SweepStore(out)
    print(write_outputs(plan_sweep(store.ran_spec(), max_jobs=None), store)["report"])  # it ran: its size was accepted
