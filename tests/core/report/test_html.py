"""semphys.core.report.html: escaping, tables, embedded figures, atomic writes, footer."""

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from semphys.core.errors import UserError  # noqa: E402
from semphys.core.report import Report  # noqa: E402
from semphys.core.report.html import PNG_SIGNATURE, _png_display_width, format_cell  # noqa: E402

from .pages import parse  # noqa: E402

XSS = "<script>alert('x')</script>"
PROVENANCE = {"versions": {"python": "3.11.7", "semphys": "0.1.0"}, "command": "semphys demo", "date": "D"}


def small_figure(width_in=3.0, height_in=2.0):
    fig, ax = plt.subplots(figsize=(width_in, height_in))
    ax.plot([0, 1, 2], [0, 1, 4])
    return fig


def test_script_tags_in_every_kind_of_text_are_escaped():
    report = Report(XSS, subtitle=XSS, provenance={**PROVENANCE, "command": XSS})
    section = report.section(XSS)
    section.text(XSS)
    section.table([{XSS: XSS}], caption=XSS)
    section.table([[XSS, 1]], columns=[XSS, "n"])
    section.kv({XSS: XSS}, caption=XSS)
    section.code(XSS, caption=XSS)
    section.error(XSS, details=XSS)
    section.figure(small_figure(), caption=XSS, alt=XSS)
    section.set_status("ok", XSS)
    section.set_meta(XSS)
    page = report.render()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    parsed = parse(page)
    assert XSS in "".join(parsed.texts)  # the text survives, as text
    assert parsed.tables[0] == [[XSS]]


def test_text_splits_paragraphs_on_blank_lines():
    report = Report("t", provenance=PROVENANCE)
    report.section("s").text("first line\ncontinues\n\n  second paragraph ")
    page = report.render()
    assert "<p>first line continues</p>" in page
    assert "<p>second paragraph</p>" in page


def test_table_renders_every_row():
    report = Report("t", provenance=PROVENANCE)
    rows = [{"layer": i, "m": i / 7, "note": f"row {i}"} for i in range(500)]
    report.section("s").table(rows)
    (table,) = parse(report.render()).tables
    assert len(table) == 500
    assert [r[2] for r in table] == [f"row {i}" for i in range(500)]


def test_table_dict_rows_take_columns_from_keys_in_order_and_leave_missing_cells_empty():
    report = Report("t", provenance=PROVENANCE)
    report.section("s").table([{"a": 1, "b": 2}, {"c": 3, "a": 4}])
    page = report.render()
    assert re.search(r"<th[^>]*>a</th><th[^>]*>b</th><th[^>]*>c</th>", page)
    assert parse(page).tables[0] == [["1", "2", ""], ["4", "", "3"]]


def test_table_list_rows_must_match_the_columns():
    section = Report("t", provenance=PROVENANCE).section("s")
    section.table([[1, "a"], [2, "b"]], columns=["n", "name"])
    with pytest.raises(ValueError, match="row 1 has 1 cells but there are 2 columns"):
        section.table([[1, "a"], [2]], columns=["n", "name"])


def test_empty_table_says_so():
    report = Report("t", provenance=PROVENANCE)
    report.section("s").table([], columns=["a", "b"])
    assert parse(report.render()).tables[0] == [["no rows"]]


def test_numeric_columns_are_right_aligned_and_text_columns_are_not():
    report = Report("t", provenance=PROVENANCE)
    report.section("s").table([{"n": 1, "x": 0.5, "name": "a"}, {"n": 2, "x": None, "name": "b"}])
    page = report.render()
    assert '<td class="num">1</td><td class="num">0.5</td><td>a</td>' in page
    assert '<td class="num">2</td><td class="num"></td><td>b</td>' in page


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "True"),
        (12, "12"),
        (123456, "123,456"),
        (0.0, "0"),
        (0.123456, "0.1235"),
        (1.5, "1.5"),
        (123456.7, "123,457"),
        (1.0e-5, "1e-05"),
        (2.5e12, "2.5e+12"),
        (float("nan"), "nan"),
        ("<b>", "<b>"),
    ],
)
def test_format_cell(value, text):
    assert format_cell(value) == text


def test_kv_renders_one_row_per_fact():
    report = Report("t", provenance=PROVENANCE)
    report.section("s").kv({"model": "gemma", "layers": 18, "lr": 3e-4})
    assert parse(report.render()).tables[0] == [["model", "gemma"], ["layers", "18"], ["lr", "0.0003"]]


def test_matplotlib_figure_is_embedded_as_a_png_data_uri_and_closed():
    fig = small_figure()
    number = fig.number
    report = Report("t", provenance=PROVENANCE)
    report.section("s").figure(fig, caption="a curve")
    (img,) = parse(report.render()).images
    prefix = "data:image/png;base64,"
    assert img["src"].startswith(prefix)
    png = base64.b64decode(img["src"][len(prefix) :], validate=True)
    assert png.startswith(PNG_SIGNATURE)
    assert img["alt"] == "a curve"
    assert int(img["width"]) > 0
    assert not plt.fignum_exists(number)


def test_png_display_width_is_the_physical_width_in_css_pixels():
    # 2 in at 192 dpi = 384 pixels; shown at 96 CSS px per inch = 192 CSS px.
    fig = plt.figure(figsize=(2, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=192)
    plt.close(fig)
    png = buffer.getvalue()
    assert int.from_bytes(png[16:20], "big") == 384
    assert _png_display_width(png) == 192


def test_figure_from_a_png_path_and_save_to(tmp_path):
    source = tmp_path / "plot.png"
    small_figure().savefig(source, format="png", dpi=100)
    plt.close("all")
    copy = tmp_path / "out" / "copy.png"
    report = Report("t", provenance=PROVENANCE)
    report.section("s").figure(source, caption="from disk", save_to=copy)
    (img,) = parse(report.render()).images
    assert base64.b64decode(img["src"].split(",", 1)[1]) == source.read_bytes()
    assert copy.read_bytes() == source.read_bytes()


def test_figure_path_that_is_missing_or_not_a_png_is_a_user_error(tmp_path):
    section = Report("t", provenance=PROVENANCE).section("s")
    with pytest.raises(UserError, match=re.escape(str(tmp_path / "missing.png"))):
        section.figure(tmp_path / "missing.png", caption="c")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(UserError, match="is not a PNG file"):
        section.figure(text, caption="c")
    with pytest.raises(TypeError):
        section.figure(42, caption="c")


def test_page_loads_nothing_from_outside_itself():
    report = Report("t", provenance=PROVENANCE)
    for name in ("one", "two"):
        section = report.section(name)
        section.figure(small_figure(), caption=name)
    page = report.render()
    parsed = parse(page)
    assert parsed.links, "expected the figures and the contents links"
    assert all(link.startswith(("data:", "#")) for link in parsed.links), parsed.links
    assert "default-src 'none'" in page
    assert "@import" not in page and "url(" not in page


def test_section_anchors_are_unique_and_linked_from_the_contents():
    report = Report("t", provenance=PROVENANCE)
    anchors = [report.section(title).anchor for title in ("Phase", "Phase", "Ph ase!", "???")]
    assert anchors == ["phase", "phase-2", "ph-ase", "section"]
    links = parse(report.render()).links
    assert [link for link in links if link.startswith("#")] == ["#" + a for a in anchors]


def test_status_badge_and_unknown_status():
    report = Report("t", provenance=PROVENANCE)
    section = report.section("s")
    section.set_status("failed", "2.0 s")
    assert '<span class="badge failed">failed · 2.0 s</span>' in report.render()
    with pytest.raises(ValueError, match="status must be"):
        section.set_status("fine")


def test_footer_names_versions_date_and_command():
    page = Report("t", provenance={**PROVENANCE, "git": "abc123"}).render()
    footer = page[page.index("<footer>") :]
    for fact in ("python 3.11.7", "semphys 0.1.0", "generated D", "git abc123", "semphys demo"):
        assert fact in footer


def test_default_provenance_is_collected():
    versions = Report("t").provenance["versions"]
    assert {"python", "semphys", "torch", "transformers"} <= versions.keys()


def test_write_returns_the_path_and_creates_directories(tmp_path):
    report = Report("t", provenance=PROVENANCE)
    report.section("s").text("hello")
    path = report.write(tmp_path / "a" / "b" / "index.html")
    assert path == tmp_path / "a" / "b" / "index.html"
    assert path.read_text(encoding="utf-8") == report.render()


def test_a_folded_table_is_a_closed_details_block_named_by_its_caption():
    from semphys.core.report import Report

    report = Report("t")
    report.section("s").table([{"a": 1}, {"a": 2}], caption="Where the tokens fall", folded=True)
    html = report.render()
    assert "<details><summary>Where the tokens fall (2 rows)</summary>" in html and "<details open" not in html
