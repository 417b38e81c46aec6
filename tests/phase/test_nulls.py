"""Null draws at the real sample size, and the one-sided p-value, by hand."""

import numpy as np
import pytest

from semphys.phase.nulls import draw_rows, null_distribution, p_value, permuted_peaks, pool_draws, resample_words


def test_p_value_counts_draws_at_least_as_extreme() -> None:
    draws = np.array([0.1, 0.2, 0.3, 0.4])
    assert p_value(0.3, draws, ">") == pytest.approx((1 + 2) / 5)  # 0.3 and 0.4
    assert p_value(0.3, draws, "<") == pytest.approx((1 + 3) / 5)
    assert p_value(9.0, draws, ">") == pytest.approx(1 / 5)  # never 0
    summary = null_distribution(0.3, np.append(draws, np.nan), ">", "label_shuffle", 7)
    assert (summary.n_draws, summary.n_sample) == (4, 7) and summary.p50 == pytest.approx(0.25)
    assert null_distribution(None, draws, ">", "label_shuffle", 7).p is None


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
