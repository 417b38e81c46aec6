"""semphys.experiments.sweep.plots: the confidence bands against known values; figures drawn from merged tables."""

import math

import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from semphys.evidence import dkw_epsilon, wilson_interval
from semphys.experiments.sweep.merge import CRITERIA
from semphys.experiments.sweep.plots import exponents_figure, pass_rates_figure, universality_figure


def test_dkw_band_half_width() -> None:
    # 2 exp(-2 n eps^2) = 0.05  ->  eps = sqrt(ln(40) / (2 n))
    assert dkw_epsilon(100) == pytest.approx(math.sqrt(math.log(40) / 200))
    assert dkw_epsilon(100) == pytest.approx(0.1358, abs=1e-4)


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_figures_from_a_small_table() -> None:
    rows = [
        {"settings": "s", "model": m, "word": w, "n_layers": L, "n_params": p, "word_l_c": lc, "beta": b}
        for m, L, p in (("a", 6, 2e7), ("b", 18, 2.7e8))
        for w, lc, b in (("x", 0.5 * L, 0.4), ("y", 0.4 * L, 0.6), ("y", 0.4 * L, 0.8))
    ]
    frame = pd.DataFrame(rows)
    fig = universality_figure(frame, {"s": "all words"})
    points = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]  # per-word points
    assert sum(len(c.get_offsets()) for c in points) == 4
    fig = exponents_figure(frame, {"s": "all words"}, (0.1, 2.0))
    assert len(fig.axes[0].get_lines()) == 2  # one ECDF per model


def test_pass_rates_draw_when_no_word_or_every_word_passes() -> None:
    """0 of 50 has a Wilson lower bound of -7e-18 in floating point: the error bar must not go negative."""
    rates = {c: {"held": k, "judged": 50, "fraction": k / 50} for c, k in zip(CRITERIA, (0, 50) * len(CRITERIA))}
    figure = pass_rates_figure({"all": {"models": {"embedded": {"word_pass_rate": rates}}}}, {"all": "all words"})
    assert len(figure.axes[0].patches) == len(CRITERIA)
