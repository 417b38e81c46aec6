"""The plain-text tables `semphys langevin` prints: the validation rows and the decoder comparison."""

from collections.abc import Sequence

from semphys.langevin.decoding.comparison import Comparison
from semphys.langevin.validation import Measurement


def validation_table(rows: Sequence[Measurement], outcomes: Sequence[str]) -> str:
    """One line per check: name, measured, expected, tolerance (`rel` when relative), and its claim's outcome
    (`outcomes`, in the same order: what `evidence.decide` said of each row's claim)."""
    lines = [f"{'check':32s} {'measured':>12s} {'expected':>12s} {'tolerance':>10s}  result"]
    for row, outcome in zip(rows, outcomes, strict=True):
        tolerance = f"{row.tolerance:.3g}" + (" rel" if row.relative else "")
        lines.append(f"{row.name:32s} {row.measured:12.6g} {row.expected:12.6g} {tolerance:>10s}  {outcome}")
    return "\n".join(lines)


def generations_text(result: Comparison, with_metrics: bool) -> str:
    """Every generation as `[decoder] prompt + text`, then (when comparing) one metrics row per decoder."""
    lines = [f"[{g.decoder}] {g.prompt}{g.text}" for g in result.generations]
    if with_metrics and result.rows:
        keys = list(result.rows[0])
        lines.append("")
        lines.append("  ".join(f"{k:>14s}" if k != "decoder" else f"{k:24s}" for k in keys))
        for row in result.rows:
            lines.append("  ".join(f"{row[k]:24s}" if k == "decoder" else f"{row[k]:14.4g}" for k in keys))
    return "\n".join(lines)
