"""`semphys demo`: run every subsystem at demo scale and write one HTML report."""

from pathlib import Path

import typer


def demo(
    out: Path = typer.Option(
        Path("runs/demo"), "--out", help="Directory for index.html, run.json and one folder per section."
    ),
    only: list[str] = typer.Option(
        [], "--only", metavar="NAME", help="Run only this section (repeatable); default: every registered section."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed handed to every section's random generators."),
) -> None:
    """Run each subsystem at demo scale and write OUT/index.html; print its path on stdout.

    Progress goes to stderr. Exit code 1 when a section failed (the report is written anyway, with the failure in it); 2 for a bad option.
    """
    from semphys.experiments.demo import run_demo  # imported here so `semphys --help` stays fast

    run = run_demo(out, only=only or None, seed=seed)
    print(run.index)
    if not run.ok:
        typer.echo(f"failed sections: {', '.join(run.failed)}; see {run.index}", err=True)
        raise typer.Exit(1)
