"""`semphys langevin validate`: the simulator against theory, one decided claim row per check.

The checks are the library's (`semphys.langevin.checks`); this experiment decides their claims together
(`evidence.decide`), prints the table and writes OUT/validation.json (schema `semphys.langevin.validate/2`,
validate.schema.json beside this module):

    schema, passed, seed, claims (`evidence.Claim` rows of kind `check`, decided), checks [{name, description,
    measured, expected, tolerance, relative, seconds, deviation, detail}: the measurements; whether each
    holds is its claim's], versions

The printed `--json` document is the same without `detail` and versions.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.evidence import check_claims, check_document, decide
from semphys.experiments.base import Command, Log, quiet
from semphys.langevin.checks import CHECKS, Measurement, run_validation

COMMAND = Command("langevin validate", "semphys.langevin.validate/2", ("validation.json",))
SCHEMA_FILE = schema_path(__file__, "validate")


@dataclass(frozen=True)
class ValidateConfig:
    """Options of `semphys langevin validate`."""

    checks: tuple[str, ...] = ()
    """Names from `semphys.langevin.checks.CHECKS` (empty: all)."""
    seed: int = 0
    """Seed of every simulation."""
    out: Path | None = None
    """Run directory for validation.json (None: print only)."""

    def validate(self) -> None:
        """An unknown check name, or an `out` that is another run's: refused before any check runs."""
        unknown = [c for c in self.checks if c not in CHECKS]
        if unknown:
            raise UserError(f"unknown check {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
        if self.out is not None:
            COMMAND.check(self.out, self.fingerprint())

    def fingerprint(self) -> dict:
        """The fields that decide the result (all but `out`)."""
        return {"checks": list(self.checks), "seed": self.seed}


@dataclass
class ValidateResult:
    """The measurements and their decided claim rows."""

    config: ValidateConfig
    rows: list[Measurement]
    """One `Measurement` per row, in the order run (`equipartition` adds `tangency` and `constraint_drift`)."""
    claims: list[dict]
    """Each row's `evidence.Claim` of kind `check`, decided together, as JSON rows."""

    @property
    def passed(self) -> bool:
        """Whether every row's claim holds."""
        return all(c["holds"] is True for c in self.claims)

    @property
    def document(self) -> dict:
        """The short document (what `--json` prints): schema, passed, seed, claims, checks without detail."""
        return {
            "schema": COMMAND.schema,
            "passed": self.passed,
            "seed": self.config.seed,
            "claims": self.claims,
            "checks": [r.to_dict(with_detail=False) for r in self.rows],
        }

    def save(self, out: Path) -> Path:
        """Write OUT/validation.json (the document with every detail and versions); returns its path."""
        out = COMMAND.claim(out, self.config.fingerprint())
        full = {**self.document, "checks": [r.to_dict() for r in self.rows], **collect_provenance()}
        check_document(full, SCHEMA_FILE)
        return write_text_atomic(out / "validation.json", to_json(full, indent=2))


def run(config: ValidateConfig, log: Log = quiet, work: Path | None = None) -> ValidateResult:
    """Run the checks of `config` (default all) and decide their claims; `work` is unused (nothing to resume)."""
    rows = run_validation(list(config.checks) or None, seed=config.seed, progress=lambda n: log(f"checking {n} ..."))
    claims = [c.to_dict() for c in decide([r.claim() for r in rows])]
    result = ValidateResult(config, rows, claims)
    check_claims(result.document)
    return result


def validation_table(rows: Sequence[Measurement], outcomes: Sequence[str]) -> str:
    """One line per check: name, measured, expected, tolerance (`rel` when relative), and its claim's outcome
    (`outcomes`, in the same order: what `evidence.decide` said of each row's claim)."""
    lines = [f"{'check':32s} {'measured':>12s} {'expected':>12s} {'tolerance':>10s}  result"]
    for row, outcome in zip(rows, outcomes, strict=True):
        tolerance = f"{row.tolerance:.3g}" + (" rel" if row.relative else "")
        lines.append(f"{row.name:32s} {row.measured:12.6g} {row.expected:12.6g} {tolerance:>10s}  {outcome}")
    return "\n".join(lines)
