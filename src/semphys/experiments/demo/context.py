"""What a demo section is (`DemoSection`) and what it is handed when it runs (`DemoContext`)."""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from semphys.core.report import Section
from semphys.evidence import Claim
from semphys.experiments.demo.progress import DemoProgress

T = TypeVar("T")

# A section's name is also its directory under the demo's output directory.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DemoSection:
    """One subsystem's part of `semphys demo`; registered in `semphys.experiments.demo.sections.SECTIONS`."""

    name: str
    """Short identifier, `[a-z][a-z0-9_]*`: the `--only` value and the directory `OUT/<name>/`."""
    title: str
    """Heading of the section in the report."""
    run: "Callable[[DemoContext], None]"
    """Does the work at demo scale and fills `ctx.section`; raising marks the section failed."""
    summary: str
    """One or two sentences: what the section shows. Printed at the top of the section."""
    budget_s: float = 120.0
    """Wall-clock budget (seconds); a section over it is flagged, not stopped."""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"demo section name {self.name!r} must match {_NAME.pattern}")


@dataclass
class DemoContext:
    """Everything a section's `run` gets: where to write, what to fill, how to show progress."""

    name: str
    """The section's name."""
    out_dir: Path
    """The demo's output directory (holds index.html and run.json)."""
    work_dir: Path
    """`out_dir/<name>/`, created: the section's own files (data, PNGs, checkpoints)."""
    section: Section
    """The report section to fill: `text`, `table`, `kv`, `figure`, `code`, `error`."""
    seed: int = 0
    """Seed for every random generator the section makes (`np.random.default_rng(ctx.seed)`)."""
    config: dict[str, Any] = field(default_factory=dict)
    """The section's settings (model, sizes, steps); recorded in run.json. Fill it."""
    claims: list[Claim] = field(default_factory=list)
    """The section's decided claims (`add_claims`): shown in the report's findings-at-a-glance table
    and recorded in run.json."""
    _progress: DemoProgress | None = field(default=None, repr=False)

    def progress(self, items: Iterable[T], total: int | None = None, description: str = "") -> Iterator[T]:
        """Iterate over `items` while showing a progress bar (or periodic lines) on stderr."""
        if self._progress is None:
            yield from items
            return
        yield from self._progress.track(items, total=total, description=description)

    def log(self, message: str) -> None:
        """A one-line human message on stderr, under this section's name."""
        if self._progress is not None:
            self._progress.log(message)

    def add_claims(self, rows: Iterable[Claim | dict]) -> None:
        """Record the section's claims, as decided in its results document (`Claim`s or their JSON rows)."""
        self.claims.extend(row if isinstance(row, Claim) else Claim.from_dict(row) for row in rows)

    def figure(self, fig: Any, caption: str, name: str, *, dpi: int = 150) -> Path:
        """Embed `fig` in the section and save it as `work_dir/<name>.png`; returns that path."""
        path = self.work_dir / f"{name}.png"
        self.section.figure(fig, caption, dpi=dpi, save_to=path)
        return path
