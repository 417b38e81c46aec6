"""semphys.experiments.demo.context: what a section is and what it is handed."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from semphys.core.report import Report  # noqa: E402
from semphys.experiments.demo import DemoContext, DemoSection  # noqa: E402


def noop(ctx):
    pass


@pytest.mark.parametrize("name", ["", "Phase", "1phase", "phase-order", "phase order", "../x"])
def test_section_names_must_be_usable_as_directory_names(name):
    with pytest.raises(ValueError, match="must match"):
        DemoSection(name, "Title", noop, "summary")


def test_section_defaults_to_a_two_minute_budget():
    assert DemoSection("phase_2", "Phase", noop, "summary").budget_s == 120.0


def test_context_without_a_progress_display_still_iterates_and_logs(tmp_path):
    ctx = DemoContext("x", tmp_path, tmp_path / "x", Report("t", provenance={}).section("x"))
    assert list(ctx.progress(range(4), description="loop")) == [0, 1, 2, 3]
    ctx.log("nothing shown, nothing raised")


def test_context_figure_embeds_and_saves_a_png(tmp_path):
    report = Report("t", provenance={})
    ctx = DemoContext("x", tmp_path, tmp_path / "x", report.section("x"))
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    path = ctx.figure(fig, "a line", "line")
    assert path == tmp_path / "x" / "line.png"
    assert path.read_bytes().startswith(b"\x89PNG")
    assert report.render().count("data:image/png;base64,") == 1
