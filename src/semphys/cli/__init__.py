"""`semphys <subsystem> <verb>`: the command line.

Each subsystem contributes one typer app in its own module here; a module only parses options into
the subsystem's config dataclass and calls the subsystem. `main` turns a `UserError` and typer's
usage errors (unknown option, bad value, missing argument) into one line `error: ...` on stderr and
exit code 2; anything else is a bug in semphys and keeps its traceback.
"""

import signal
import sys
import threading

import typer

try:  # typer >= 0.25 vendors click as typer._click; its exceptions are not click's
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer on the real click
    from click import exceptions as click_errors

from semphys.cli.common import fail
from semphys.core.errors import UserError
from semphys.core.rundir import release_run_dirs

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


def _usage_message(err: click_errors.UsageError) -> str:
    """click's message on one line, with the command whose --help explains the options."""
    message = " ".join(err.format_message().split())
    if err.ctx is not None:
        message += f" (see `{err.ctx.command_path} --help`)"
    return message


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it unwinds as an interrupt does (files closed, temporaries
    removed by their `finally` blocks, checkpoints kept)."""


class _Terminator:
    """The SIGTERM handler of one command: remembers that it fired (click may turn the interrupt into `Abort`)."""

    def __init__(self) -> None:
        self.fired = False

    def __call__(self, signum: int, frame: object) -> None:
        self.fired = True
        raise Terminated()


def main() -> None:
    """Console-script entry point: exit 0 on success, the command's own code (1: a run that failed),
    2 for anything the user can fix, 130 when interrupted (SIGINT), 143 when terminated (SIGTERM)."""
    main_thread = threading.current_thread() is threading.main_thread()
    terminator = _Terminator()
    previous = signal.signal(signal.SIGTERM, terminator) if main_thread else None
    try:
        code = app(prog_name="semphys", standalone_mode=False)
        if terminator.fired or code == 130:  # typer turns an interrupt into exit code 130, silently
            raise KeyboardInterrupt
    except UserError as err:
        fail(str(err))
    except click_errors.NoArgsIsHelpError as err:
        err.show()
        sys.exit(0)
    except click_errors.UsageError as err:
        fail(_usage_message(err))
    except (KeyboardInterrupt, typer.Abort) as err:  # click turns an interrupt into Abort; SIGTERM stays visible
        if terminator.fired or isinstance(err, Terminated):
            fail("terminated; what finished is kept (a resume with the same command continues from it)", code=143)
        fail("interrupted; what finished is kept", code=130)
    finally:
        release_run_dirs()
        if main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
    sys.exit(code if isinstance(code, int) else 0)
