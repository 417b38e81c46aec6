"""Exp. 6's projection: the share of a direction in the top-k span, against exact cases and a hand computation."""

import numpy as np
import pytest

from semphys.evidence import check_claims, decide
from semphys.phase.qk.projection import SIDES, Projection, captured_share, random_shares


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


def _projection(word_share: np.ndarray, rng: np.random.Generator) -> Projection:
    """A Projection of 3 words over 4 layers, k = 5, 10, 20, 50 in d = 640, with both nulls drawn."""
    ks, d, n_layers = (5, 10, 20, 50), 640, 4
    random = random_shares(50, d, ks, (2000, 3, n_layers), rng).mean(axis=1)
    shuffled_words = [np.clip(rng.normal(0.1, 0.03, (100, n_layers, 4)), 0, 1) for _ in range(3)]
    picked = np.stack([w[rng.integers(100, size=2000)] for w in shuffled_words], axis=1).mean(axis=1)
    per_word = {f"w{i}": word_share[i] for i in range(3)}
    side = lambda: {"measured": word_share.mean(axis=0)}  # noqa: E731
    return Projection(
        ks=ks,
        layers=[1, 2, 3, 4],
        measured={s: side()["measured"] for s in SIDES},
        per_word={s: per_word for s in SIDES},
        random={s: random for s in SIDES},
        shuffled={s: picked for s in SIDES},
        d_model=d,
        n_splits={w: 100 for w in per_word},
    )


def test_projection_claims_known_positive_and_negative() -> None:
    rng = np.random.default_rng(4)
    inside = _projection(np.clip(rng.normal(0.5, 0.02, (3, 4, 4)), 0, 1), rng)
    claims = decide(inside.claims("m"))
    findings = [c for c in claims if c.kind == "finding"]
    assert len(findings) == 2 and all(c.adjustment == "maxT" and c.holds for c in findings)  # one per side
    assert sum(c.kind == "exploratory" for c in claims) == 6 and all(
        c.holds is None for c in claims if c.kind == "exploratory"
    )
    assert check_claims({"claims": [c.to_dict() for c in claims]}) == 8
    # a sense-free contrast: its shares are those of the shuffled-label null itself
    like_null = _projection(np.clip(rng.normal(0.1, 0.03, (3, 4, 4)), 0, 1), rng)
    assert not any(c.holds for c in decide(like_null.claims("m")))


def test_random_shares_match_k_over_d_exactly() -> None:
    share = random_shares(50, 640, (5, 50), (20000,), np.random.default_rng(5))
    assert share.mean(axis=0) == pytest.approx([5 / 640, 50 / 640], rel=0.02)
