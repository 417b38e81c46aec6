"""Exp. 6's projection: the share of a direction in the top-k span, against exact cases and a hand computation."""

import numpy as np
import pytest

from semphys.phase.qk_projection import captured_share


def _basis(d: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """[1, k, d] orthonormal rows."""
    q, _ = np.linalg.qr(rng.standard_normal((d, k)))
    return q.T[None]


def test_a_direction_inside_the_top_k_span_is_captured_whole() -> None:
    rng = np.random.default_rng(0)
    basis = _basis(32, 10, rng)
    inside = (rng.standard_normal(5) @ basis[0, :5])[None]  # in the span of the top 5
    shares = captured_share(basis, inside, (5, 10))
    assert shares[0] == pytest.approx([1.0, 1.0])


def test_a_random_direction_captures_k_over_d_on_average() -> None:
    rng = np.random.default_rng(1)
    d, k = 64, 8
    basis = _basis(d, k, rng)
    vectors = rng.standard_normal((4000, 1, d))
    share = captured_share(basis, vectors, (k,))[:, 0, 0]
    assert share.mean() == pytest.approx(k / d, abs=0.005)


def test_hand_computation_in_four_dimensions() -> None:
    # top directions e1, (e2 + e3)/sqrt2; v = (1, 2, 0, 2), |v|^2 = 9
    basis = np.array([[[1, 0, 0, 0], [0, 1, 1, 0] / np.sqrt(2)]])
    v = np.array([[1.0, 2.0, 0.0, 2.0]])
    # top 1: 1/9; top 2: (1 + (2/sqrt2)^2) / 9 = 3/9
    assert captured_share(basis, v, (1, 2))[0] == pytest.approx([1 / 9, 3 / 9])
    assert np.isnan(captured_share(basis, np.zeros((1, 4)), (1,))).all()  # a zero contrast has no share
