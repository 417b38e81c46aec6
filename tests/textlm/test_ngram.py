"""semphys.textlm.ngram: add-k unigram and bigram against hand computations."""

import numpy as np
import pytest

from semphys.core.errors import UserError
from semphys.textlm.ngram import K_GRID, count_ngram, fit_ngram


def test_bigram_and_unigram_match_hand_computation():
    ids = np.array([0, 1, 0, 1, 1])  # pairs (0,1) x2, (1,0), (1,1); contexts: 0 x2, 1 x2
    bigram = count_ngram(ids, vocab_size=3, order=2, k=1.0)
    # P(1 | 0) = (2 + 1) / (2 + 3); P(2 | 1) = (0 + 1) / (2 + 3)
    nll = bigram.nll(np.array([0, 1]), np.array([1, 2]))
    assert nll == pytest.approx(-np.log([3 / 5, 1 / 5]))
    unigram = count_ngram(ids, vocab_size=3, order=1, k=0.5)
    # P(1) = (3 + 0.5) / (5 + 1.5)
    assert unigram.nll(np.array([0]), np.array([1]))[0] == pytest.approx(-np.log(3.5 / 6.5))


def test_every_context_is_a_distribution():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 12, 500)
    model = count_ngram(ids, 12, 2, 0.1)
    for context in range(12):
        p = np.exp(-model.nll(np.full(12, context), np.arange(12)))
        assert p.sum() == pytest.approx(1.0)


def test_k_is_chosen_from_the_grid_on_training_text():
    rng = np.random.default_rng(1)
    ids = np.tile(rng.integers(0, 30, 50), 40)  # a repeated sequence: counts generalise, small k wins
    model = fit_ngram(ids, 30, 2)
    assert model.k in K_GRID and model.k == min(K_GRID)


def test_bad_orders_constants_and_streams_are_refused():
    with pytest.raises(UserError, match="order must be 1 or 2"):
        count_ngram(np.arange(5), 5, 3, 1.0)
    with pytest.raises(UserError, match="must be positive"):
        count_ngram(np.arange(5), 5, 2, 0.0)
    with pytest.raises(UserError, match="at least 20"):
        fit_ngram(np.arange(5), 5, 2)
