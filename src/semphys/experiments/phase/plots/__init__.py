"""The figures of a phase run, drawn from the results.json document (so they can be redrawn from it).

order_parameter.png           exp. 1: sigma per prompt and layer, primary variant, null bands
order_parameter_variants.png  exp. 1: every (mode, correction), declared prompts; direction alignment
fits.png                      exp. 2: declared prompts' sigma with their selected fits
critical_exponents.png        exp. 2-3: beta histogram per model; l_c / L per model
susceptibility.png            exp. 4: chi per hint and its mean; peak layer and l_c
phase_diagram.png             exp. 5: sigma over (context words x layer), sigma = 0 contour
qk_pca.png                    exp. 6: cumulative explained variance of W_QK, with the random null
qk_projection.png             exp. 6: share of e_A - e_B in the top W_QK directions per layer, with nulls

By family: `sigma` (exp. 1-3: the order parameter's curves and fits), `context` (exp. 4-5: its response
to a hint word and to a growing context), `qk` (exp. 6); `style` holds their shared colours and axes.
"""

from pathlib import Path

from semphys.core.figures import save_figure
from semphys.experiments.phase.plots.context import phase_diagram_figure, susceptibility_figure
from semphys.experiments.phase.plots.qk import qk_pca_figure, qk_projection_figure
from semphys.experiments.phase.plots.sigma import (
    critical_exponents_figure,
    fits_figure,
    order_parameter_figure,
    variants_figure,
)
from semphys.experiments.phase.plots.style import DPI

FIGURES = {
    "order_parameter": order_parameter_figure,
    "order_parameter_variants": variants_figure,
    "fits": fits_figure,
    "critical_exponents": critical_exponents_figure,
    "susceptibility": susceptibility_figure,
    "phase_diagram": phase_diagram_figure,
    "qk_pca": qk_pca_figure,
    "qk_projection": qk_projection_figure,
}


def make_figures(doc: dict, out_dir: Path) -> dict[str, Path]:
    """Draw every figure from a results document and write `<name>.png` into `out_dir`."""
    paths = {}
    for name, draw in FIGURES.items():
        if name in ("qk_pca", "qk_projection") and not any(m.get(name) for m in doc["models"].values()):
            continue
        paths[name] = save_figure(draw(doc), Path(out_dir) / f"{name}.png", DPI)
    return paths
