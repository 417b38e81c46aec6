"""`semphys lm check`: semphys's readers against the model itself, as text or one JSON document.

The checks are the library's (`semphys.lm.check.check_model`: one decided `evidence.Claim` of kind
`check` per comparison); this module loads the model the options name, runs them, and gives the
result as the command shows it: aligned text lines, or the document of schema `COMMAND.schema`
(`check.schema.json` beside this file). The command writes no file; `CheckResult.save` writes the
document as check.json into a run directory, for a notebook.
"""

from dataclasses import dataclass
from pathlib import Path

from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import clean, schema_path, to_json
from semphys.core.validate import require_at_least
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.lm import check_device, check_model_spec, load_lm
from semphys.lm.check import CheckConfig, CheckReport, check_model

COMMAND = Command("lm check", "semphys.lm.check/2", ("check.json",))
"""The command; document schema versions: 2: `rows` became `claims`, each an `evidence.Claim` of kind
`check` (value, threshold = the tolerance, holds)."""
CHECK_SCHEMA = schema_path(__file__, "check")


@dataclass(frozen=True)
class LMCheckConfig:
    """The options of `semphys lm check`."""

    model: str
    """Model spec: `embedded`, `minilm`, a local directory or a hub id."""
    device: str = "cpu"
    """Where the model runs: cpu, cuda or cuda:N."""
    threads: int | None = None
    """torch threads for the check (None: torch's default)."""

    def validate(self) -> None:
        """`UserError` for a device that is not there, fewer than one thread or an unknown model (nothing loads)."""
        check_device(self.device)
        if self.threads is not None:
            require_at_least("--threads", self.threads, 1)
        check_model_spec(self.model)

    def fingerprint(self) -> dict:
        """What decides the check: the model, the device and the inputs and bounds of `CheckConfig`."""
        return {"model": self.model, "device": self.device, "check": clean(self.check_config())}

    def check_config(self) -> CheckConfig:
        """The library's inputs and bounds, with these options' threads."""
        return CheckConfig(threads=self.threads)


@dataclass
class CheckResult:
    """One model's check, as the command shows it."""

    config: LMCheckConfig
    report: CheckReport

    @property
    def passed(self) -> bool:
        """True when no row failed (rows that do not apply do not fail)."""
        return self.report.passed

    def document(self) -> dict:
        """The `--json` document (schema `COMMAND.schema`)."""
        report = self.report
        return {
            "schema": COMMAND.schema,
            "model": report.model,
            "passed": report.passed,
            "facts": report.facts,
            "layout": report.layout,
            "claims": [claim.to_dict() for claim in report.claims],
        }

    def lines(self) -> list[str]:
        """The check as aligned text lines, one per claim: PASS, FAIL or n/a, the value against its bound."""
        report = self.report
        width = max(len(claim.claim) for claim in report.claims)
        out = [
            f"{report.model}: {report.facts['architecture']}, reader {report.facts['reader']}, blocks "
            f"{report.layout['blocks']}, final norm {report.layout['final_norm']} ({report.layout['found_by']})"
        ]
        for claim in report.claims:
            outcome = {True: "PASS", False: "FAIL", None: "n/a "}[claim.holds]
            figure = "" if claim.value is None else f"{claim.value:.3g} < {claim.threshold:.3g}"
            out.append(f"  {outcome}  {claim.claim:<{width}}  {figure:<22} {claim.detail}")
        out.append("all checks pass" if report.passed else "SOME CHECKS FAIL")
        return out

    def save(self, out: Path) -> Path:
        """Claim `out` and write the document there as check.json (schema-checked); its path."""
        out = COMMAND.claim(out, self.config.fingerprint())
        document = self.document()
        check_document(clean(document), CHECK_SCHEMA)
        path = out / "check.json"
        write_text_atomic(path, to_json(document))
        return path


def run(config: LMCheckConfig, log: Log = quiet, work: Path | None = None) -> CheckResult:
    """Load the model and check every reader against it (`work` is not used: nothing to resume)."""
    return CheckResult(config, check_model(load_lm(config.model, device=config.device), config.check_config()))
