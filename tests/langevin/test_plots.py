"""Every figure renders from small data."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.integrate import quad

from semphys.langevin import plots


def test_vmf_cosine_density_is_normalised() -> None:
    for d, k in ((3, 5.0), (8, 12.0), (2, 1.0)):
        total, _ = quad(lambda z, d=d, k=k: plots.vmf_cosine_density(np.array([z]), d, k)[0], -1, 1)
        assert total == pytest.approx(1.0, rel=1e-6)


def test_figures_render() -> None:
    rng = np.random.default_rng(0)
    paths = rng.normal(size=(20, 2, 3))
    paths /= np.linalg.norm(paths, axis=-1, keepdims=True)
    rows = [
        {
            "scheme": "overdamped",
            "beta_barrier": 5.0,
            "measured": 3.7e-3,
            "stderr": 1e-4,
            "expected": 3.8e-3,
            "asymptotic": 4.3e-3,
            "eta": 1.0,
            "mass": 1.0,
        }
    ]
    figures = [
        plots.trajectories_on_sphere(paths, "t", np.eye(3)),
        plots.stationary_histogram(rng.uniform(-1, 1, 500), 3, 5.0, {"b": rng.uniform(-1, 1, 50)}, {"c": 2.0}),
        plots.fep_vs_raw(np.arange(10.0), rng.normal(size=10), np.zeros(10), np.zeros(10), 0.5, 2.0),
        plots.kramers_vs_beta(rows),
        plots.weak_order_plot({"dt": [0.1, 0.05], "error": [0.1, 0.05], "stderr": [0.01, 0.01], "slope": 1.0}),
        plots.temperature_probe_plot(
            [
                {"method": "a", "temperature": 0.1, "kl": 0.1, "kl_theory": 0.1},
                {"method": "a", "temperature": 0.2, "kl": 0.2, "kl_theory": 0.2},
            ]
        ),
    ]
    assert all(isinstance(fig, Figure) for fig in figures)
