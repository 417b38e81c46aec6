"""The one renderer of claims: the same rows for every report table, the README and the JSON.

`claim_table` gives the columns and cells a report (`semphys.core.report.Section.table`) or a Markdown
table shows; `markdown_table` joins them for text; `check_claims` validates every list named
`claims` anywhere in a results document against the one claim schema (`claim.schema.json`).
"""

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from semphys.evidence.claim import KINDS, Claim

SCHEMA = Path(__file__).with_name("claim.schema.json")
COLUMNS = ("claim", "model", "kind", "value [interval]", "threshold", "nulls: median (p)", "p adj. (floor)", "outcome")


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _value(claim: Claim) -> str:
    if claim.interval is None:
        return _number(claim.value)
    return f"{_number(claim.value)} [{_number(claim.interval[0])}, {_number(claim.interval[1])}]"


def _threshold(claim: Claim) -> str:
    if claim.threshold is None:
        return ""
    sign = ">" if claim.better == "higher" else "<"
    return f"{sign} {claim.threshold:g} ({claim.threshold_source})"


def _nulls(claim: Claim) -> str:
    return "; ".join(f"{null.name} {_number(null.p50)} (p {_number(null.p)})" for null in claim.nulls)


def _adjusted(claim: Claim) -> str:
    if claim.p_adjusted is None:
        return ""
    floor = f" ({_number(claim.p_floor)})" if claim.p_floor is not None else ""
    return f"{_number(claim.p_adjusted)}{' maxT' if claim.adjustment == 'maxT' else ''}{floor}"


def claim_row(claim: Claim) -> list[str]:
    """The cells of one claim, in `COLUMNS` order."""
    return [
        claim.claim,
        claim.model or "",
        claim.kind,
        _value(claim),
        _threshold(claim),
        _nulls(claim),
        _adjusted(claim),
        claim.outcome,
    ]


def claim_table(claims: Sequence[Claim]) -> tuple[list[str], list[list[str]]]:
    """(columns, rows) of a findings table over `claims`, in their order."""
    return list(COLUMNS), [claim_row(claim) for claim in claims]


def markdown_table(claims: Sequence[Claim]) -> str:
    """The findings table as Markdown (the README and the docs' findings pages)."""
    columns, rows = claim_table(claims)
    escape = lambda cell: cell.replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def claim_lists(document: Any) -> Iterator[list]:
    """Every list stored under a key named `claims`, anywhere in a (JSON-ready) document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "claims" and isinstance(value, list):
                yield value
            else:
                yield from claim_lists(value)
    elif isinstance(document, list):
        for value in document:
            yield from claim_lists(value)


def check_claims(document: Any) -> int:
    """Validate every claim row of `document` against the claim schema; returns how many were checked.

    Raises `jsonschema.ValidationError` on the first row that does not conform.
    """
    import jsonschema

    from semphys.core.jsondoc import clean, load_schema

    validator = jsonschema.Draft202012Validator(load_schema(SCHEMA))
    count = 0
    for rows in claim_lists(clean(document)):
        for row in rows:
            validator.validate(row)
            count += 1
    return count


def check_document(document: Any, schema: Path | dict) -> None:
    """Validate a results document (after `clean`) against its JSON Schema, and every list named `claims`
    in it against the one claim schema; raises `jsonschema.ValidationError`."""
    import jsonschema

    from semphys.core.jsondoc import clean, load_schema

    loaded = load_schema(Path(schema)) if not isinstance(schema, dict) else schema
    cleaned = clean(document)
    jsonschema.Draft202012Validator(loaded).validate(cleaned)
    check_claims(cleaned)


def findings_at_a_glance(report: Any, claims: Sequence[Claim], caption: str) -> None:
    """The first section of a command's report: every decided claim row, findings first, by the one renderer,
    with the count of findings that hold as the section's status. `report` is a `semphys.core.report.Report`."""
    section = report.section("Findings at a glance")
    ordered = sorted(claims, key=lambda claim: KINDS.index(claim.kind))
    columns, rows = claim_table(ordered)
    section.table(rows, columns, caption=caption)
    decided = [claim for claim in claims if claim.kind == "finding" and claim.holds is not None]
    if decided:
        held = sum(bool(claim.holds) for claim in decided)
        section.set_status("ok" if held == len(decided) else "warning", f"{held} of {len(decided)} findings hold")
