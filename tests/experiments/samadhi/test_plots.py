"""Figures are drawn from eval.json alone and land as PNG files."""

from pathlib import Path

from PIL import Image

from semphys.experiments.samadhi.plots import FIGURES, write_figures


def test_every_figure_is_written(tiny_eval, tmp_path: Path) -> None:
    paths = write_figures(tiny_eval, tmp_path)
    assert [p.name for p in paths] == [f"{name}.png" for name in FIGURES]
    for path in paths:
        with Image.open(path) as image:
            assert image.width > 300 and image.height > 150
            assert len(image.convert("L").getcolors(maxcolors=256 * 256)) > 10  # not a blank canvas
