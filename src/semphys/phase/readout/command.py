"""`run_readout`: what `semphys phase readout` does, from a checked config to readout.json, .parquet and report.html.

Order (bad input is refused before any work): the config is checked (`--layers` against each model's config, never
its weights) and `--out` checked (`check_run_dir`) before WordNet or the prompts file is read or a
model loads; a prompts file that cannot be read is refused before anything is written; the run directory is claimed just before the first model loads.
A killed run keeps its finished captures in the activation cache; re-running the same command
resumes there (the run directory's outputs are replaced, its claim kept).
"""

from collections.abc import Callable
from pathlib import Path

from semphys.core.rundir import check_run_dir, claim_run_dir
from semphys.lm import capture_residuals
from semphys.phase.readout.report import write_report
from semphys.phase.readout.results import SCHEMA, readout_document, write_results
from semphys.phase.readout.run import ReadoutConfig, build_items, run_models

COMMAND = "phase readout"
OUTPUTS = ("readout.json", "readout.parquet", "*.png", "report.html")


def run_readout(config: ReadoutConfig, out: Path, cache_root: Path | None | bool = None,
                log: Callable[[str], None] | None = None, capture: Callable = capture_residuals) -> Path:
    """Run and write everything; returns the report's path."""
    config.check()
    check_run_dir(out, COMMAND, config.fingerprint_fields())
    items = build_items(config)
    if log is not None:
        log(f"{len(items.words)} words ({sum(len(w.items()) for w in items.words)} items), "
            f"{len(items.skipped)} candidates skipped"
            + (f", {len(items.unscored)} prompts not scored (no declared sense, or an anchor's text)"
               if items.unscored else ""))
    claim_run_dir(out, COMMAND, config.fingerprint_fields(), outputs=OUTPUTS, document_schema=SCHEMA)
    runs = run_models(items, config, cache_root, log, capture)
    document = readout_document(items, runs, config)
    write_results(out, document, runs)
    return write_report(document, out)
