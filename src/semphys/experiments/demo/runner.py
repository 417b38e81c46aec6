"""`run_demo`: run every registered demo section, then write `index.html` and `run.json`.

A section that raises is recorded (message and traceback in the report, status in run.json) and
the others still run; the caller learns of it from `DemoRun.ok`. The report and the record are
rewritten after every section, so a long or interrupted demo leaves what it has done so far.
"""

import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.report import Report, Section
from semphys.core.rundir import claim_run_dir
from semphys.evidence import Claim, claim_table
from semphys.experiments.demo.context import DemoContext, DemoSection
from semphys.experiments.demo.progress import DemoProgress

COMMAND = "demo"
SCHEMA = "semphys.demo/2"
SCHEMA_FILE = schema_path(__file__, "run")
"""run.json's JSON Schema (run.schema.json beside this module)."""

SectionStatus = Literal["ok", "failed", "interrupted"]


@dataclass(frozen=True)
class SectionResult:
    """How one section went."""

    name: str
    title: str
    status: SectionStatus
    elapsed_s: float
    budget_s: float
    error: str | None = None
    """`ExceptionType: message` when the section failed."""
    config: dict[str, Any] = field(default_factory=dict)
    """What the section put in `ctx.config`."""
    claims: tuple[Claim, ...] = ()
    """The section's decided claims (`DemoContext.add_claims`)."""

    @property
    def over_budget(self) -> bool:
        return self.elapsed_s > self.budget_s


@dataclass(frozen=True)
class DemoRun:
    """What `run_demo` did: where the report is, and how each section went."""

    index: Path
    """`out_dir/index.html`, the report."""
    record: Path
    """`out_dir/run.json`: config, versions, per-section status and timings."""
    results: tuple[SectionResult, ...]

    @property
    def ok(self) -> bool:
        """True when every section succeeded."""
        return all(r.status == "ok" for r in self.results)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.results if r.status != "ok")


def _select(sections: Sequence[DemoSection], only: Sequence[str] | None) -> list[DemoSection]:
    names = [s.name for s in sections]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"demo sections registered twice: {', '.join(duplicates)}")
    if not only:
        return list(sections)
    unknown = [n for n in only if n not in names]
    if unknown:
        allowed = ", ".join(names) or "(none registered)"
        raise UserError(f"unknown demo section {', '.join(map(repr, unknown))}; choose from: {allowed}")
    return [s for s in sections if s.name in only]


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def run_demo(
    out_dir: Path,
    sections: Sequence[DemoSection] | None = None,
    *,
    only: Sequence[str] | None = None,
    seed: int = 0,
    console: Console | None = None,
) -> DemoRun:
    """Run each demo section in turn and write `out_dir/index.html` and `out_dir/run.json`.

    sections: what to run; default `semphys.experiments.demo.sections.SECTIONS` (the registration point).
    only: names of the sections to run (all when None); an unknown name is a `UserError`.
    seed: handed to every section as `ctx.seed`.
    console: where progress goes; default a rich console on stderr.
    Never raises for a failing section (see `DemoRun.ok`); `KeyboardInterrupt` is re-raised
    after the report and record are written.
    """
    if sections is None:
        from semphys.experiments.demo.sections import SECTIONS

        sections = SECTIONS
    chosen = _select(sections, only)
    out_dir = Path(out_dir)
    index, record = out_dir / "index.html", out_dir / "run.json"

    import matplotlib

    matplotlib.use("Agg")  # a batch job: never open a window, whatever the environment

    provenance = collect_provenance()
    report = Report("semphys demo", provenance=provenance)
    results: list[SectionResult] = []
    started = time.monotonic()
    config = {"out": str(out_dir), "seed": seed, "sections": [s.name for s in chosen]}

    def save(state: str) -> None:
        elapsed = time.monotonic() - started
        report.subtitle = _subtitle(state, results, len(chosen), elapsed, seed)
        payload = _record(state, results, config, provenance, elapsed)
        write_text_atomic(record, to_json(payload, indent=2))
        write_text_atomic(index, report.render())

    # fails now, not after an hour, if out_dir cannot be written or holds another run; a re-run replaces
    # every output of the earlier one (report, record and each section's folder)
    claim_run_dir(
        out_dir,
        COMMAND,
        {"seed": seed, "sections": config["sections"]},
        outputs=("index.html", "run.json", *(s.name for s in chosen)),
        document_schema=SCHEMA,
    )
    save("running")
    if not chosen:
        note = report.section("Nothing to run")
        note.text(
            "No subsystem has registered a demo section yet (semphys.experiments.demo.sections.SECTIONS is empty)."
        )

    glance = report.section("Findings at a glance") if chosen else None
    with DemoProgress(console) as progress:
        for i, spec in enumerate(chosen, start=1):
            section = report.section(spec.title)
            section.text(spec.summary)
            work_dir = out_dir / spec.name
            try:
                work_dir.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise UserError(f"cannot create {work_dir}: {err.strerror}; choose a writable --out") from err
            ctx = DemoContext(spec.name, out_dir, work_dir, section, seed=seed, _progress=progress)
            progress.start_section(i, len(chosen), spec.name, spec.title)
            t0 = time.monotonic()
            status: SectionStatus = "ok"
            error = None
            try:
                spec.run(ctx)
            except Exception as err:  # a failing section is reported; the others still run
                status, error = "failed", f"{type(err).__name__}: {err}"
                section.error(error, details=traceback.format_exc())
            except KeyboardInterrupt:
                status, error = "interrupted", "KeyboardInterrupt"
                section.error("Interrupted by the user (Ctrl-C).", title="This section was interrupted")
            finally:
                elapsed = time.monotonic() - t0
                _close_figures()
            result = SectionResult(
                spec.name, spec.title, status, elapsed, spec.budget_s, error, dict(ctx.config), tuple(ctx.claims)
            )
            results.append(result)
            note = f"over its {spec.budget_s:.0f} s budget" if result.over_budget else ""
            badge = "failed" if status != "ok" else "warning" if result.over_budget else "ok"
            section.set_status(badge, _duration(elapsed))
            section.set_meta(f"{spec.name} · files in {spec.name}/" + (f" · {note}" if note else ""))
            progress.end_section(status, elapsed, error or note)
            _fill_glance(glance, results)
            if status == "interrupted":
                save("interrupted")
                raise KeyboardInterrupt
            save("running")
    save("finished")
    return DemoRun(index=index, record=record, results=tuple(results))


def _fill_glance(section: Section, results: list[SectionResult]) -> None:
    """The report's opening table: every section's findings and checks, as its results document decided them."""
    section.clear()
    rows = [(r.name, claim) for r in results for claim in r.claims if claim.kind != "exploratory"]
    if not rows:
        section.text("No section has reported claims yet.")
        return
    held = sum(claim.holds is True for _, claim in rows)
    section.text(
        f"{held} of {len(rows)} claims hold at demo scale. Each is decided in its own section's results "
        "document by the one rule of semphys.evidence (threshold, every null beaten after Holm's "
        "adjustment over the document's findings, interval clear of every null's median); demo scale "
        "is small, so a finding that fails here may hold at full scale: the docs' findings pages give "
        "the full runs."
    )
    columns, cells = claim_table([claim for _, claim in rows])
    section.table([[name, *row] for (name, _), row in zip(rows, cells)], ["section", *columns])


def _subtitle(state: str, results: list[SectionResult], n_chosen: int, elapsed: float, seed: int) -> str:
    """`3 sections · 1 failed · 2 min 5 s · seed 0`, or `1 of 3 sections done · running · ...`."""
    failed = [r for r in results if r.status != "ok"]
    parts = [f"{len(results)} of {n_chosen} sections done" if state == "running" else f"{len(results)} sections"]
    if failed:
        parts.append(f"{len(failed)} failed")
    elif state == "finished" and results:
        parts.append("all ok")
    if state != "finished":
        parts.append(state)
    return " · ".join([*parts, _duration(elapsed), f"seed {seed}"])


def _record(state: str, results: list[SectionResult], config: dict, provenance: dict, elapsed: float) -> dict:
    """The content of run.json: the run's config and provenance, and each section's outcome."""
    return {
        "schema": SCHEMA,
        "state": state,
        "ok": state == "finished" and all(r.status == "ok" for r in results),
        "config": config,
        **provenance,
        "elapsed_s": round(elapsed, 3),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds") if state != "running" else None,
        "sections": [
            {
                "name": r.name,
                "title": r.title,
                "status": r.status,
                "elapsed_s": round(r.elapsed_s, 3),
                "budget_s": r.budget_s,
                "over_budget": r.over_budget,
                "error": r.error,
                "config": r.config,
                "claims": [claim.to_dict() for claim in r.claims],
                "work_dir": r.name,
            }
            for r in results
        ],
    }


def _close_figures() -> None:
    """Close figures a section left open (only if it used pyplot)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
