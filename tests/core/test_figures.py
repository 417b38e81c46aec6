"""semphys.core.figures: PNG bytes, atomic files, figures closed."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from semphys.core.figures import figure_png, save_figure
from semphys.core.report.html import PNG_SIGNATURE


def test_figure_png_renders_and_closes_a_pyplot_figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    data = figure_png(fig, dpi=50)
    assert data.startswith(PNG_SIGNATURE)
    assert fig.number not in plt.get_fignums()


def test_save_figure_writes_the_png_and_creates_parents(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path = save_figure(fig, tmp_path / "a" / "b.png", dpi=50)
    assert path == tmp_path / "a" / "b.png" and path.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.png"]  # no temporary file left behind
