"""Every figure is written, and the same figures can be redrawn from results.json alone."""

import json

from semphys.experiments.phase.plots import FIGURES, order_parameter_figure, phase_diagram_figure

SPEC_FIGURES = {"order_parameter", "critical_exponents", "susceptibility", "phase_diagram", "qk_pca"}


def test_figures_written_and_redrawn_from_json(builtin_run) -> None:
    assert set(builtin_run.figures) == set(FIGURES) >= SPEC_FIGURES
    for path in builtin_run.figures.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    doc = json.loads(builtin_run.results_path.read_text())
    for draw in (order_parameter_figure, phase_diagram_figure):
        figure = draw(doc)
        assert len(figure.axes) >= 6  # two models x three words
        figure.clf()
