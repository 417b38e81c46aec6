"""`semphys <subsystem> <verb>`: the command line.

Each subsystem contributes one typer app in its own module here; `main` turns a `UserError` into a
one-line message on stderr and exit code 2.
"""

import sys

import typer

from semphys.errors import UserError

app = typer.Typer(
    name="semphys",
    help="A laboratory that treats a language model's inference as a physical system and measures it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register_subcommands() -> None:
    from semphys.cli import cvfp, data, demo, langevin, lm, phase, routing, samadhi, sweep

    app.add_typer(lm.app, name="lm")
    app.add_typer(langevin.app, name="langevin")
    app.add_typer(phase.app, name="phase")
    app.add_typer(sweep.app, name="sweep")
    app.add_typer(data.app, name="data")
    app.add_typer(samadhi.app, name="samadhi")
    app.add_typer(cvfp.app, name="cvfp")
    app.add_typer(routing.app, name="routing")
    app.command("demo")(demo.demo)


_register_subcommands()


def main() -> None:
    """Console-script entry point: typer handles usage errors (exit 2), we handle `UserError`."""
    try:
        app()
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
