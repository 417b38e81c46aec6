"""Critical-exponent statistics and the spread of l_c/L across models."""

import pytest

from semphys.phase.exponents import critical_layer, exponent_statistics, universality


def test_beta_statistics_by_hand() -> None:
    stats = exponent_statistics([0.4, 0.5, 0.6, float("nan")], [False, False, True])
    assert stats.n == 3 and stats.mean == pytest.approx(0.5)
    assert stats.std == pytest.approx((0.02 / 3) ** 0.5) and stats.cv == pytest.approx(stats.std / 0.5)
    assert stats.n_at_bound == 1 and sum(stats.counts) == 3 and len(stats.edges) == len(stats.counts) + 1
    assert exponent_statistics([]).mean is None


def test_universality_spread_needs_two_models() -> None:
    result = universality({"a": 0.2, "b": 0.5, "c": 0.3})
    assert result.spread == pytest.approx(0.3) and result.variance == pytest.approx(result.std**2)
    assert universality({"a": 0.2}).spread is None
    assert critical_layer([3.0, 5.0, 10.0]) == 5.0 and critical_layer([]) is None
