"""Module A against a hand computation: resonance score (§3.1), lateral inhibition, gate, S_0 (§3.2)."""

import math

import pytest
import torch

from semphys.core.errors import UserError
from semphys.samadhi.config import SamadhiConfig
from semphys.samadhi.vitakka import (
    Vitakka,
    attention_pool,
    gate_open,
    initial_state,
    lateral_inhibition,
    resonance_scores,
)

# Two tokens x_1 = (1, 0), x_2 = (0, 2); probe 1 = (ln 3, 0), probe 2 = (0, ln 2).
X = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])
MASK = torch.tensor([[True, True]])
PROBES = torch.tensor([[math.log(3.0), 0.0], [0.0, math.log(2.0)]])
# probe 1: logits (ln 3, 0) -> softmax (3/4, 1/4) -> pooled (0.75, 0.5); |.| / sqrt 2
# probe 2: logits (0, 2 ln 2) -> softmax (1/5, 4/5) -> pooled (0.2, 1.6)
SCORE_1 = math.sqrt(0.75**2 + 0.5**2) / math.sqrt(2)
SCORE_2 = math.sqrt(0.2**2 + 1.6**2) / math.sqrt(2)


def test_resonance_score_matches_hand_computation() -> None:
    scores = resonance_scores(X, MASK, PROBES)
    torch.testing.assert_close(scores, torch.tensor([[SCORE_1, SCORE_2]]))
    pooled, weights = attention_pool(X, MASK, PROBES)
    torch.testing.assert_close(weights, torch.tensor([[[0.75, 0.25], [0.2, 0.8]]]))
    torch.testing.assert_close(pooled, torch.tensor([[[0.75, 0.5], [0.2, 1.6]]]))


def test_softmax_runs_over_positions_and_ignores_padding() -> None:
    padded = torch.cat([X, torch.tensor([[[100.0, 100.0]]])], dim=1)
    mask = torch.tensor([[True, True, False]])
    torch.testing.assert_close(resonance_scores(padded, mask, PROBES), resonance_scores(X, MASK, PROBES))
    _, weights = attention_pool(padded, mask, PROBES)
    torch.testing.assert_close(weights.sum(-1), torch.ones(1, 2))
    assert (weights[..., 2] == 0).all()


def test_lateral_inhibition_and_gate() -> None:
    scores = torch.tensor([[SCORE_1, SCORE_2]])
    w = lateral_inhibition(scores, 0.1)
    expected = torch.tensor([1.0, math.exp((SCORE_2 - SCORE_1) / 0.1)])
    torch.testing.assert_close(w[0], expected / expected.sum())
    assert lateral_inhibition(scores, 0.01)[0, 1] > w[0, 1]  # lower tau, sharper winner
    assert gate_open(scores, 1.0).tolist() == [True]  # max 1.140 > 1.0
    assert gate_open(scores, 1.15).tolist() == [False]
    assert gate_open(scores, SCORE_2).tolist() == [False]  # strictly above theta


def test_initial_state_is_the_winner_attention_times_gate() -> None:
    winner = PROBES[1:2]
    torch.testing.assert_close(initial_state(X, MASK, winner, torch.tensor([True])), torch.tensor([[0.2, 1.6]]))
    assert initial_state(X, MASK, winner, torch.tensor([False])).abs().sum() == 0


def _module(theta: float, read_in: bool = False) -> Vitakka:
    config = SamadhiConfig(d_model=2, concept_labels=("a", "b"), n_learned=0, theta=theta, read_in=read_in)
    module = Vitakka(config)
    with torch.no_grad():
        module.probes.copy_(PROBES)
    return module


def test_module_picks_winner_gates_and_builds_s0() -> None:
    out = _module(theta=0.4)(X, MASK)
    torch.testing.assert_close(out.scores, torch.tensor([[SCORE_1, SCORE_2]]))
    assert out.winner.tolist() == [1] and out.gate.tolist() == [True]
    torch.testing.assert_close(out.s0, torch.tensor([[0.2, 1.6]]))
    # Score_win = |S_0| / sqrt(d) whenever the gate is open
    torch.testing.assert_close(out.s0.norm(dim=-1) / math.sqrt(2), out.scores.max(dim=-1).values)
    closed = _module(theta=1.2)(X, MASK)
    assert closed.gate.tolist() == [False] and closed.s0.abs().sum() == 0


def test_identity_read_in_changes_nothing() -> None:
    torch.testing.assert_close(_module(0.4, read_in=True)(X, MASK).scores, _module(0.4)(X, MASK).scores)


@pytest.mark.parametrize(
    ("x", "mask", "message"),
    [
        (
            torch.zeros(1, 2, 3),
            torch.ones(1, 2, dtype=torch.bool),
            "input width 3 does not match the model's d_model 2",
        ),
        (torch.zeros(2, 2), torch.ones(2, 2, dtype=torch.bool), r"batch of windows \[B, L, d\]"),
        (torch.zeros(2, 2, 2), torch.tensor([[True, False], [False, False]]), r"empty window .* row\(s\) \[1\]"),
        (torch.zeros(1, 0, 2), torch.zeros(1, 0, dtype=torch.bool), "empty window"),
    ],
)
def test_bad_windows(x, mask, message) -> None:
    with pytest.raises(UserError, match=message):
        _module(0.4)(x, mask)
