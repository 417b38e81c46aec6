"""Landau fits on synthetic curves with known l_c and beta: recovered within tolerance, chosen by AICc."""

import warnings

import numpy as np
import pytest

from semphys.phase.fits import (
    KINDS,
    FitBounds,
    curve,
    fit_all,
    fit_curve,
    grid_fit,
    grid_selections,
    information,
    selection_frequencies,
    with_intervals,
)

LAYERS = np.arange(19.0)


@pytest.mark.parametrize(("l_c", "beta"), [(4.5, 0.5), (8.2, 0.35), (11.0, 1.0), (6.7, 0.8)])
def test_second_order_recovers_critical_layer_and_exponent(l_c: float, beta: float) -> None:
    truth = {"c": 0.05, "A": -0.3, "l_c": l_c, "beta": beta}
    rng = np.random.default_rng(1)
    sigma = curve("second_order", LAYERS, truth) + rng.normal(0, 0.003, LAYERS.size)
    fit = fit_curve(LAYERS, sigma, "second_order")
    # l_c between two layers is identified only through the curvature of the next points
    assert fit.params["l_c"] == pytest.approx(l_c, abs=0.35)
    assert fit.params["beta"] == pytest.approx(beta, abs=0.08)
    assert fit.params["A"] == pytest.approx(-0.3, rel=0.15)
    assert fit.r2 > 0.99 and not fit.at_bound


def test_noise_free_second_order_is_exact() -> None:
    truth = {"c": 0.0, "A": 0.2, "l_c": 5.0, "beta": 0.5}
    fit = fit_curve(LAYERS, curve("second_order", LAYERS, truth), "second_order")
    assert fit.params["beta"] == pytest.approx(0.5, abs=1e-3)
    assert fit.params["l_c"] == pytest.approx(5.0, abs=0.02)
    assert fit.r2 == pytest.approx(1.0, abs=1e-6)


def test_tanh_and_step_recover_their_transition() -> None:
    rng = np.random.default_rng(2)
    tanh = fit_curve(
        LAYERS,
        curve("tanh", LAYERS, {"c": 0.1, "A": 0.4, "l_c": 9.3, "kappa": 0.7}) + rng.normal(0, 0.005, LAYERS.size),
        "tanh",
    )
    assert tanh.params["l_c"] == pytest.approx(9.3, abs=0.15)
    assert tanh.params["kappa"] == pytest.approx(0.7, rel=0.15)
    step = fit_curve(LAYERS, curve("step", LAYERS, {"c": 0.0, "A": -0.5, "l_c": 7.5}), "step")
    assert step.params["l_c"] == 7.5 and step.params["A"] == pytest.approx(-0.5)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("second_order", {"c": 0.02, "A": 0.25, "l_c": 6.3, "beta": 0.5}),
        ("tanh", {"c": 0.1, "A": 0.4, "l_c": 9.2, "kappa": 0.8}),
        ("step", {"c": 0.0, "A": -0.5, "l_c": 7.5}),
    ],
)
def test_information_criterion_picks_the_generating_form(kind: str, params: dict) -> None:
    rng = np.random.default_rng(3)
    sigma = curve(kind, LAYERS, params) + rng.normal(0, 0.01, LAYERS.size)
    assert fit_all(LAYERS, sigma).best == kind


def test_selection_is_restricted_to_the_given_fit_types() -> None:
    rng = np.random.default_rng(3)
    sigma = curve("step", LAYERS, {"c": 0.0, "A": -0.5, "l_c": 7.5}) + rng.normal(0, 0.01, LAYERS.size)
    restricted = fit_all(LAYERS, sigma, kinds=("second_order", "tanh"))
    assert restricted.best in ("second_order", "tanh") and set(restricted.fits) == set(KINDS)
    assert fit_all(LAYERS, sigma, kinds=("second_order",)).best == "second_order"
    grids = {kind: grid_fit(LAYERS, sigma[None], kind) for kind in KINDS}
    assert set(selection_frequencies(grids, kinds=("tanh", "step"))) == {"tanh", "step"}
    assert grid_selections(LAYERS, sigma[None], kinds=("tanh",))[0].best == "tanh"


def test_aic_and_aicc_by_hand() -> None:
    r2, aic, aicc = information(np.array(0.5), np.array(2.0), n=10, n_free=3)
    k = 4  # three parameters and the noise variance
    assert aic == pytest.approx(10 * np.log(0.05) + 2 * k)
    assert aicc == pytest.approx(aic + 2 * k * (k + 1) / (10 - k - 1))
    assert r2 == pytest.approx(0.75)
    _, _, too_few = information(np.array(0.5), np.array(2.0), n=5, n_free=4)
    assert too_few == np.inf  # no small-sample AIC with as many parameters as points


def test_grid_fit_is_vectorised_and_close_to_the_polished_fit() -> None:
    rng = np.random.default_rng(4)
    truths = [
        {"c": 0.0, "A": a, "l_c": l, "beta": b} for a, l, b in [(0.3, 3.2, 0.4), (-0.2, 7.9, 0.9), (0.5, 12.1, 0.6)]
    ]
    curves = np.stack([curve("second_order", LAYERS, t) + rng.normal(0, 0.004, LAYERS.size) for t in truths])
    grid = grid_fit(LAYERS, curves, "second_order")
    for row, (params, truth) in enumerate(zip(grid.params, truths)):
        one = grid_fit(LAYERS, curves[row : row + 1], "second_order")
        assert np.allclose(one.params[0], params)
        assert params[2] == pytest.approx(truth["l_c"], abs=0.4)
        assert grid.rss[row] >= fit_curve(LAYERS, curves[row], "second_order").rss - 1e-12  # polish never worse
    selections = grid_selections(LAYERS, curves)
    assert [s.best for s in selections] == ["second_order"] * 3


def test_bounds_are_reported_when_hit() -> None:
    jump = curve("step", LAYERS, {"c": 0.0, "A": 1.0, "l_c": 8.5})
    fit = fit_curve(LAYERS, jump, "second_order", FitBounds(beta=(0.1, 2.0)))
    assert "beta" in fit.at_bound and fit.params["beta"] == pytest.approx(0.1)


def test_intervals_and_selection_frequencies_from_draws() -> None:
    rng = np.random.default_rng(5)
    truth = {"c": 0.0, "A": 0.3, "l_c": 6.0, "kappa": 1.0}
    draws = np.stack([curve("tanh", LAYERS, truth) + rng.normal(0, 0.02, LAYERS.size) for _ in range(60)])
    grids = {kind: grid_fit(LAYERS, draws, kind) for kind in KINDS}
    selection = with_intervals(fit_all(LAYERS, draws.mean(axis=0)), grids)
    low, high = selection.fits["tanh"].ci["l_c"]
    assert low <= 6.0 <= high and high - low < 1.5
    frequency = selection_frequencies(grids)
    assert sum(frequency.values()) == pytest.approx(1.0) and frequency["tanh"] > 0.5


def test_seven_point_curve_of_a_small_model() -> None:
    layers = np.arange(7.0)
    sigma = curve("step", layers, {"c": 0.0, "A": 0.2, "l_c": 2.5})
    selection = fit_all(layers, sigma)
    assert selection.best == "step"  # AICc: 4-parameter forms on 7 points pay for their extra parameter
    assert np.isfinite(selection.fits["second_order"].aicc)


def test_r2_interval_of_flat_resamples_is_undefined_without_a_warning() -> None:
    flat = np.zeros((5, LAYERS.size))  # every resampled curve flat: r2 = nan (total sum of squares 0)
    grids = {"tanh": grid_fit(LAYERS, flat, "tanh")}
    assert np.isnan(grids["tanh"].r2).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        selection = with_intervals(fit_all(LAYERS, flat.mean(axis=0) + 1e-3 * np.sin(LAYERS)), grids)
    assert all(np.isnan(selection.fits["tanh"].ci["r2"]))
    assert np.isfinite(selection.fits["tanh"].ci["l_c"]).all()
