"""The one shape of every experiment, and the driver that runs it.

An experiment is one command of semphys. Its module in `semphys.experiments.<subsystem>` holds:
- `COMMAND`, a `Command`: the command's name, its document schema and the files a re-run replaces;
- a frozen config dataclass with `validate()` (every refusal before any model loads; raises a
  one-line `UserError`) and `fingerprint()` (the JSON of what decides the result);
- `run(config, log=..., work=None) -> Result`: the computation, in memory. `work` is the claimed run
  directory when there is one; checkpoints and caches that let a killed run resume live there, and
  nowhere else;
- the `Result` dataclass, with `save(out) -> Path`: the document (schema-checked), report and plots.

`execute(COMMAND, config, run)` is how the command line and the sweep run an experiment: validate,
claim and lock `config.out` before any work, run with the directory as `work`, save, and return the
result. In a notebook, `result = run(config)` computes in memory, and `result.save(out)` claims an
unclaimed `out` itself (`Command.claim` is re-entrant within a process, so `execute`'s claim and the
save's claim are one claim).

Library packages (`semphys.phase`, `semphys.langevin`, ...) never write files, claim directories or
print; experiments never define physics.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from semphys.core.rundir import check_run_dir, claim_run_dir, withdraw_claim

Log = Callable[[str], None]


def quiet(message: str) -> None:
    """The default `log`: progress goes nowhere (the command line passes its stderr printer)."""


class Config(Protocol):
    """What `execute` needs of an experiment's config."""

    out: Path

    def validate(self) -> None: ...

    def fingerprint(self) -> Any: ...


class Result(Protocol):
    """What `execute` needs of an experiment's result."""

    def save(self, out: Path) -> Path: ...


C = TypeVar("C", bound=Config)
R = TypeVar("R", bound=Result)


@dataclass(frozen=True)
class Command:
    """One command's identity on disk (`semphys.core.rundir`)."""

    name: str
    """As typed after `semphys`, e.g. "langevin measure"; recorded in the run directory's manifest."""
    schema: str | None
    """The id of the document the command writes, e.g. "semphys.langevin.measure/2"."""
    outputs: Sequence[str]
    """The final files (globs) a re-run of the same config replaces; checkpoints are not among them."""

    def claim(self, out: Path, fingerprint: Any) -> Path:
        """Claim and lock `out` for this command and config (a resume when it already holds them)."""
        return claim_run_dir(
            Path(out), self.name, fingerprint, outputs=tuple(self.outputs), document_schema=self.schema
        ).path

    def check(self, out: Path, fingerprint: Any) -> bool:
        """The refusals of `claim`, without writing anything; True when `out` holds this run already."""
        return check_run_dir(Path(out), self.name, fingerprint)


def execute(command: Command, config: C, run: Callable[..., R], log: Log = quiet) -> R:
    """Validate `config`, claim `config.out`, run the experiment with it as the work directory, save.

    A run that fails before writing anything (a model whose weights do not match its config, found only
    when it loads) leaves `config.out` as it was: the claim is withdrawn (`rundir.withdraw_claim`)."""
    config.validate()
    out = Path(config.out)
    fresh = not out.exists() or (out.is_dir() and not any(out.iterdir()))
    created = not out.exists()
    work = command.claim(out, config.fingerprint())
    try:
        result = run(config, log=log, work=work)
    except Exception:
        if fresh:
            withdraw_claim(work, created)
        raise
    result.save(work)
    return result
