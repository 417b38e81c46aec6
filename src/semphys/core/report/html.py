"""A self-contained HTML report: sections of text, tables, facts, code, figures and error boxes.

The page carries everything it shows: figures are PNGs embedded as `data:` URIs, the stylesheet is
inline, there is no script, and a Content-Security-Policy forbids the page to load anything that is
not in it. All text is HTML-escaped; there is no way to put raw HTML into a report.

    report = Report("Demo")
    s = report.section("Order parameter")
    s.text("The order parameter rises sharply at the critical layer.")
    s.table([{"layer": 3, "m": 0.12}, {"layer": 4, "m": 0.71}], caption="m per layer")
    s.figure(fig, caption="m against layer")
    report.write(Path("runs/demo/index.html"))
"""

import base64
import html
import numbers
import re
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from semphys.core.errors import UserError
from semphys.core.figures import figure_png
from semphys.core.io import write_bytes_atomic, write_text_atomic
from semphys.core.provenance import collect_provenance
from semphys.core.report.style import CSS

Status = Literal["ok", "failed", "warning"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# CSS pixels per inch: a figure saved at `dpi` is shown at its size in inches.
CSS_DPI = 96
# Nothing outside the page may be loaded: images only from data: URIs, styles only inline.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def format_cell(value: Any) -> str:
    """A table cell's text: numbers to about four significant digits, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if x == 0:
            return "0"
        if x != x or x in (float("inf"), float("-inf")):
            return str(x)
        if 1e4 <= abs(x) < 1e9:
            return f"{x:,.0f}"
        return f"{x:.4g}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _png_display_width(png: bytes) -> int | None:
    """Width in CSS pixels of a PNG shown at its physical size (pHYs chunk), or None if unknown.

    Matplotlib records its `dpi` in pHYs, so a figure saved at dpi=150 keeps its size in inches
    on the page and stays sharp on high-density screens.
    """
    width = struct.unpack(">I", png[16:20])[0]
    pos = 8
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        if kind == b"pHYs" and length == 9:
            ppu_x, _, unit = struct.unpack(">IIB", png[pos + 8 : pos + 17])
            if unit == 1 and ppu_x > 0:  # pixels per metre
                dpi = ppu_x * 0.0254
                return max(1, round(width * CSS_DPI / dpi))
            return None
        if kind in (b"IDAT", b"IEND"):
            return None
        pos += 12 + length
    return None


def _read_png(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read figure {path}: {err.strerror or err}; give a PNG file") from err
    if not data.startswith(PNG_SIGNATURE) or len(data) < 24:
        raise UserError(f"figure {path} is not a PNG file; figures must be PNG images")
    return data


class Section:
    """One titled part of a report. Blocks appear in the order they are added.

    Made by `Report.section`; every method escapes what it is given.
    """

    def __init__(self, title: str, anchor: str) -> None:
        self.title = title
        self.anchor = anchor
        self.status: Status | None = None
        self.status_note = ""
        self.meta = ""
        self._blocks: list[str] = []

    def set_status(self, status: Status, note: str = "") -> None:
        """Show a badge beside the title (and in the contents): ok, failed or warning."""
        if status not in ("ok", "failed", "warning"):
            raise ValueError(f"status must be 'ok', 'failed' or 'warning', not {status!r}")
        self.status, self.status_note = status, note

    def set_meta(self, text: str) -> None:
        """A muted one-line note under the title (timing, where the section's files are)."""
        self.meta = text

    def clear(self) -> None:
        """Remove every block (a section redrawn as a run goes on, e.g. a summary at the top)."""
        self._blocks.clear()

    def text(self, text: str) -> None:
        """Plain text; a blank line starts a new paragraph."""
        for paragraph in re.split(r"\n\s*\n", text.strip()):
            if paragraph.strip():
                self._blocks.append(f"<p>{_esc(' '.join(paragraph.split()))}</p>")

    def table(
        self,
        rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
        columns: Sequence[str] | None = None,
        *,
        caption: str | None = None,
        folded: bool = False,
    ) -> None:
        """A table with every row shown (`folded`: inside a closed `<details>` whose summary is the caption).

        rows: dicts (columns default to their keys in order of first appearance; a missing key is
        an empty cell) or sequences (then `columns`, if given, must match each row's length).
        Numeric columns are right-aligned; floats show about four significant digits (pass
        strings to format them yourself).
        """
        rows = list(rows)
        if rows and all(isinstance(row, Mapping) for row in rows):
            if columns is None:
                columns = list(dict.fromkeys(key for row in rows for key in row))
            cells = [[row.get(col) for col in columns] for row in rows]
        elif all(isinstance(row, Sequence) and not isinstance(row, str) for row in rows):
            cells = [list(row) for row in rows]
            if columns is not None:
                for i, row in enumerate(cells):
                    if len(row) != len(columns):
                        raise ValueError(f"table row {i} has {len(row)} cells but there are {len(columns)} columns")
        else:
            raise TypeError("table rows must be all dicts or all lists/tuples")
        n_cols = len(columns) if columns is not None else max((len(r) for r in cells), default=0)
        numeric = [
            any(_is_number(r[j]) for r in cells if j < len(r))
            and all(_is_number(r[j]) or r[j] is None or r[j] == "" for r in cells if j < len(r))
            for j in range(n_cols)
        ]
        num_cls = [' class="num"' if is_num else "" for is_num in numeric]
        parts = ['<div class="table-wrap"><table>']
        if caption:
            parts.append(f"<caption>{_esc(caption)}</caption>")
        if columns is not None:
            heads = "".join(f'<th scope="col"{num_cls[j]}>{_esc(col)}</th>' for j, col in enumerate(columns))
            parts.append(f"<thead><tr>{heads}</tr></thead>")
        parts.append("<tbody>")
        if not cells:
            parts.append(f'<tr><td class="empty" colspan="{max(n_cols, 1)}">no rows</td></tr>')
        for row in cells:
            tds = "".join(f"<td{num_cls[j]}>{_esc(format_cell(v))}</td>" for j, v in enumerate(row))
            parts.append(f"<tr>{tds}</tr>")
        parts.append("</tbody></table></div>")
        html = "".join(parts)
        if folded:
            html = f"<details><summary>{_esc(caption or 'table')} ({len(cells)} rows)</summary>{html}</details>"
        self._blocks.append(html)

    def kv(self, facts: Mapping[str, Any], *, caption: str | None = None) -> None:
        """A two-column table of facts: name, value."""
        rows = "".join(
            f'<tr><th scope="row">{_esc(k)}</th><td>{_esc(format_cell(v))}</td></tr>' for k, v in facts.items()
        )
        cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
        self._blocks.append(f'<div class="table-wrap"><table class="kv">{cap}<tbody>{rows}</tbody></table></div>')

    def figure(
        self,
        fig: Any,
        caption: str,
        *,
        alt: str | None = None,
        dpi: int = 150,
        save_to: Path | None = None,
    ) -> None:
        """Embed a figure as a PNG `data:` URI.

        fig: a matplotlib Figure (rendered at `dpi`, then closed) or the path of a PNG file.
        save_to: also write the PNG there (atomically), for use outside the report.
        Shown at its physical size (capped at the page width). Raises `UserError` when a path is
        missing or not a PNG.
        """
        if isinstance(fig, (str, Path)):
            png = _read_png(Path(fig))
        elif hasattr(fig, "savefig"):
            png = figure_png(fig, dpi)
        else:
            raise TypeError(f"figure must be a matplotlib Figure or a PNG path, not {type(fig).__name__}")
        if save_to is not None:
            write_bytes_atomic(Path(save_to), png)
        width = _png_display_width(png)
        size = f' width="{width}"' if width else ""
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        self._blocks.append(
            f'<figure><img src="{src}"{size} alt="{_esc(alt or caption)}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>"
        )

    def code(self, text: str, *, caption: str | None = None) -> None:
        """Preformatted text: a command, a config, a log excerpt."""
        if caption:
            self._blocks.append(f'<p class="code-caption">{_esc(caption)}</p>')
        self._blocks.append(f"<pre><code>{_esc(text.rstrip())}</code></pre>")

    def error(self, message: str, *, details: str | None = None, title: str = "This section failed") -> None:
        """A visible error box: the message, and `details` (a traceback) folded under it."""
        parts = [
            '<div class="error-box" role="alert">',
            f'<p class="error-title">{_esc(title)}</p>',
            f'<p class="error-message">{_esc(message)}</p>',
        ]
        if details:
            parts.append(
                f"<details><summary>Traceback</summary><pre><code>{_esc(details.rstrip())}</code></pre></details>"
            )
        parts.append("</div>")
        self._blocks.append("".join(parts))

    def _badge(self) -> str:
        if self.status is None:
            return ""
        label = self.status + (f" · {self.status_note}" if self.status_note else "")
        return f'<span class="badge {self.status}">{_esc(label)}</span>'

    def render(self) -> str:
        """This section as an HTML fragment."""
        meta = f'<p class="section-meta">{_esc(self.meta)}</p>' if self.meta else ""
        body = "\n".join(self._blocks)
        return (
            f'<section id="{_esc(self.anchor)}">\n<h2>{_esc(self.title)} {self._badge()}</h2>\n'
            f"{meta}\n{body}\n</section>"
        )


class Report:
    """A self-contained HTML page made of sections, with a provenance footer.

    provenance: what `collect_provenance()` returns; collected at construction when not given,
    so a runner that also writes it to `run.json` can pass the same dict to both.
    """

    def __init__(self, title: str, *, subtitle: str | None = None, provenance: dict | None = None) -> None:
        self.title = title
        self.subtitle = subtitle
        self.provenance = provenance if provenance is not None else collect_provenance()
        self.sections: list[Section] = []

    def section(self, title: str) -> Section:
        """Add a section at the end of the report and return it for filling."""
        base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
        taken = {s.anchor for s in self.sections}
        anchor, n = base, 2
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        section = Section(title, anchor)
        self.sections.append(section)
        return section

    def _contents(self) -> str:
        if len(self.sections) < 2:
            return ""
        items = "".join(f'<li><a href="#{_esc(s.anchor)}">{_esc(s.title)}</a>{s._badge()}</li>' for s in self.sections)
        return f'<nav class="contents"><h2>Contents</h2><ol>{items}</ol></nav>'

    def _footer(self) -> str:
        p = self.provenance
        versions = " · ".join(f"{name} {version}" for name, version in p.get("versions", {}).items())
        lines = [f"<p>{_esc(versions)}</p>"] if versions else []
        when = " · ".join(
            x
            for x in (p.get("date") and f"generated {p['date']}", p.get("platform"), p.get("git") and f"git {p['git']}")
            if x
        )
        if when:
            lines.append(f"<p>{_esc(when)}</p>")
        if p.get("command"):
            lines.append(f"<p>command: <code>{_esc(p['command'])}</code></p>")
        return "<footer>" + "".join(lines) + "</footer>"

    def render(self) -> str:
        """The whole page as a string."""
        subtitle = f'<p class="subtitle">{_esc(self.subtitle)}</p>' if self.subtitle else ""
        sections = "\n".join(s.render() for s in self.sections)
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<link rel="icon" href="data:,">
<title>{_esc(self.title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header><h1>{_esc(self.title)}</h1>{subtitle}</header>
{self._contents()}
{sections}
{self._footer()}
</main>
</body>
</html>
"""

    def write(self, path: Path) -> Path:
        """Write the page to `path` atomically (temp file + rename) and return the path.

        Raises `UserError` naming the path when it cannot be written.
        """
        return write_text_atomic(Path(path), self.render())
