"""Null draws at the real sample size, the smooth-rise null, and the nested bootstrap, by hand."""

import numpy as np
import pytest

from semphys.evidence.stats import nested_bootstrap
from semphys.phase.verdict.curve_statistics import curve_statistics
from semphys.phase.verdict.nulls import (
    draw_rows,
    nan_coefficient_of_variation,
    permuted_peaks,
    pool_draws,
    resample_words,
    smooth_fit,
    smooth_rise_curves,
)

LAYERS = np.arange(1, 13, dtype=np.float64)


def test_model_draws_take_one_control_draw_per_word() -> None:
    rng = np.random.default_rng(0)
    word_a = np.arange(6.0).reshape(3, 2)  # 3 control draws x 2 prompts
    word_b = 100 + np.arange(4.0).reshape(4, 1)
    rows = draw_rows([3, 4, 0], 50, rng)
    assert rows[2] is None
    draws = resample_words([word_a, word_b, np.zeros((0, 2))], rows, 50)
    assert draws.shape == (50, 5) and np.isnan(draws[:, 3:]).all()
    # each draw's two prompts of word a come from the same control draw
    assert np.all(draws[:, 1] - draws[:, 0] == 1) and set(draws[:, 2]) <= {100, 101, 102, 103}


def test_pooled_draws_and_permuted_peaks() -> None:
    rng = np.random.default_rng(1)
    assert pool_draws(np.array([0.2, 0.4]), 4, 30, rng).shape == (30, 4)
    assert pool_draws(np.array([]), 4, 30, rng).shape == (0, 4)
    peaks = permuted_peaks(np.array([0.0, 0.0, 5.0, 0.0]), 4000, rng)
    assert np.bincount(peaks, minlength=4) / 4000 == pytest.approx([0.25] * 4, abs=0.03)


def test_the_smooth_fit_is_a_line_or_a_wide_tanh_never_a_step() -> None:
    line = 0.3 + 0.05 * LAYERS
    fitted, k = smooth_fit(LAYERS, line[None])
    assert fitted[0] == pytest.approx(line) and k[0] == 2
    step = (LAYERS > 6.5).astype(float)
    fitted, k = smooth_fit(LAYERS, step[None])
    assert k[0] == 4 and np.abs(np.diff(fitted[0])).max() < 0.5  # at most tanh(1/2) x 2 / 2 of the rise per layer


def test_smooth_rise_draws_keep_the_curve_and_its_noise_but_not_its_step() -> None:
    rng = np.random.default_rng(2)
    step = 0.5 * (LAYERS > 6.5) + rng.normal(0, 0.01, len(LAYERS))
    draws = smooth_rise_curves(LAYERS, step[None], 500, rng)
    assert draws.shape == (500, 1, len(LAYERS))
    real, null = curve_statistics(LAYERS, step[None]), curve_statistics(LAYERS, draws[:, 0])
    assert real.step_share[0] > 0.9 and np.median(null.step_share) < 0.7
    ramp = 0.04 * LAYERS + rng.normal(0, 0.01, len(LAYERS))
    draws = smooth_rise_curves(LAYERS, ramp[None], 2000, rng)
    # residuals rescaled for the fitted parameters: the null's noise matches the real curve's
    assert np.std(np.diff(draws[:, 0], axis=-1)) == pytest.approx(0.01 * np.sqrt(2), rel=0.15)
    assert smooth_rise_curves(LAYERS, np.zeros((0, len(LAYERS))), 5, rng).shape == (5, 0, len(LAYERS))


def test_nested_bootstrap_resamples_words_then_prompts() -> None:
    rng = np.random.default_rng(3)
    # one word all 0, one all 10: a draw's median is 0 or 10 unless both words are drawn
    values = np.array([0.0, 0.0, 0.0, 10.0, 10.0, 10.0])
    words = np.array([0, 0, 0, 1, 1, 1])
    draws = nested_bootstrap(values, words, 4000, rng)
    assert set(np.unique(draws)) <= {0.0, 5.0, 10.0}
    assert np.mean(draws == 0.0) == pytest.approx(0.25, abs=0.03)  # both picks the first word
    # within a word the prompts are resampled too: a word of [1, 2] alone gives medians 1, 1.5 or 2
    draws = nested_bootstrap(np.array([1.0, 2.0]), np.array([0, 0]), 4000, rng)
    assert np.mean(draws == 1.5) == pytest.approx(0.5, abs=0.03)
    assert np.isnan(nested_bootstrap(np.array([np.nan]), np.array([0]), 3, rng)).all()
    cv = nested_bootstrap(np.array([1.0, 1.0, 1.0]), np.array([0, 1, 2]), 50, rng, nan_coefficient_of_variation)
    assert cv == pytest.approx(np.zeros(50))
