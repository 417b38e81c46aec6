"""How a routing comparison is shown: the per-variant summary as table rows, as text, as a caption, and its claims.

One set of columns (`COLUMNS`, over `semphys.routing.compare.HEADLINE`) serves the command's table on stderr and
the demo's HTML table; the claims are rendered by `semphys.evidence` (`claims_table`, `claims_text`)
with the seed floor stated beside them.
"""

from semphys.evidence import Claim, claim_table, markdown_table

COLUMNS: dict[str, tuple[str, str]] = {
    "val_ppl": ("val ppl", ".1f"),
    "load_cv": ("load CV", ".3f"),
    "load_entropy": ("load H", ".3f"),
    "dropped": ("dropped", ".3f"),
    "mi_bits": ("MI bits", ".3f"),
    "mi_excess": ("MI - null", ".3f"),
    "sensitivity_token_at": ("sens tok@", ".3f"),
    "sensitivity_token_after": ("sens tok>", ".3f"),
    "sensitivity_origin": ("sens origin", ".3f"),
    "tokens_per_second": ("tokens/s", ".0f"),
}
"""Per headline figure of `HEADLINE`: its column title and number format."""

CAPTION = (
    "MI in bits between origin (WordNet lexname) and first-choice expert, mean over layers; MI - null: "
    "minus the same estimate with origins permuted; sens: share of tokens whose top-k experts change when "
    "one token (at it: tok@, after it: tok>) or the window's origin changes."
)
"""What the columns mean, for a table's caption."""


def cell(entry: dict | None, fmt: str) -> str:
    """`mean±std` of a summary entry in `fmt` (the mean alone for one seed); `n/a` for a figure the variant
    does not have."""
    if entry is None:
        return "n/a"
    if entry["std"] is None:
        return f"{entry['mean']:{fmt}}"
    return f"{entry['mean']:{fmt}}±{entry['std']:{fmt}}"


def summary_rows(summary: dict[str, dict]) -> list[dict[str, str]]:
    """One row per variant: parameters (active / total), then every column as `mean±std`."""
    rows = []
    for variant, entry in summary.items():
        row = {"variant": variant, "params act/total": f"{entry['params_active']}/{entry['params_total']}"}
        row.update({title: cell(entry[key], fmt) for key, (title, fmt) in COLUMNS.items()})
        rows.append(row)
    return rows


def summary_table(summary: dict[str, dict]) -> str:
    """The rows of `summary_rows` as a fixed-width text table, one line per variant."""
    rows = summary_rows(summary)
    if not rows:
        return ""
    widths = {key: max(len(key), *(len(row[key]) for row in rows)) for key in rows[0]}
    lines = ["  ".join(f"{key:<{widths[key]}}" for key in rows[0])]
    lines += ["  ".join(f"{row[key]:<{widths[key]}}" for key in row) for row in rows]
    return "\n".join(lines)


def claims_of(result: dict) -> list[Claim]:
    """The decided claims of a results document (results.json `claims`)."""
    return [Claim.from_dict(row) for row in result["claims"]]


def claims_table(result: dict) -> tuple[list[str], list[list[str]]]:
    """(columns, rows) of the claims table, for `semphys.core.report` `Section.table(rows, columns)`."""
    return claim_table(claims_of(result))


def claims_text(result: dict) -> str:
    """The claims as a Markdown table, then what the number of seeds allows (`seed_floor`)."""
    return markdown_table(claims_of(result)) + result["seed_floor"]["note"] + "\n"
