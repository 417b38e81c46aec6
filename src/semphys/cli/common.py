"""What every command module of the CLI shares: messages on stderr, one-line errors.

stdout carries a command's result (a path, or with `--json` one JSON document) and nothing else;
human messages and progress go to stderr through `say`. `main` (in `semphys.cli`) turns a
`UserError`, and typer's own usage errors, into one line `error: ...` on stderr and exit code 2.
"""

import sys


def say(message: str) -> None:
    """A human message (progress, warning, summary) on stderr, flushed at once."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str, code: int = 2) -> None:
    """Print `error: <message>` on stderr and exit with `code`."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)
