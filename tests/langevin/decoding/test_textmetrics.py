"""Text metrics against hand counts."""

import math

import pytest

from semphys.langevin.decoding.textmetrics import distinct_n, distinct_n_pooled, perplexity, repetition_rate


def test_repetition_rate_by_hand() -> None:
    looped = [1, 2, 3, 4, 1, 2, 3, 4]  # 5 four-grams, 4 distinct
    assert repetition_rate([looped]) == pytest.approx(1 - 4 / 5)
    assert repetition_rate([[1, 2, 3, 4, 5], looped]) == pytest.approx((0 + 0.2) / 2)
    assert math.isnan(repetition_rate([[1, 2]]))


def test_distinct_n_within_and_pooled() -> None:
    assert distinct_n_pooled([[1, 1, 2], [2, 3]], 1) == pytest.approx(3 / 5)
    assert distinct_n_pooled([[1, 1, 2], [1, 1]], 2) == pytest.approx(2 / 3)
    assert distinct_n([[1, 1, 2], [2, 3]], 1) == pytest.approx((2 / 3 + 1) / 2)
    assert distinct_n([[1, 2], [1, 2]], 1) == 1.0 and distinct_n_pooled([[1, 2], [1, 2]], 1) == 0.5


def test_perplexity_by_hand() -> None:
    assert perplexity([[math.log(0.5), math.log(0.25)]]) == pytest.approx(math.sqrt(8))
