"""Experiment C: attention categories by hand, shares that sum to 1, the heads a component picks."""

import numpy as np
import pytest
import torch

from semphys.phase.qk.attention import (
    CATEGORIES,
    AttentionConfig,
    HeadShares,
    builtin_texts,
    category_masks,
    kind_of,
    pattern_shares,
    top_components,
    uniform_shares,
)
from semphys.phase.qk.basis import gram, residual_forms
from semphys.phase.qk.pca import HeadWeights, principal_scores

# "<bos>The bank river": token 0 is special, then The, bank, river
OFFSETS = ((0, 0), (0, 3), (4, 8), (9, 14))


def test_categories_by_hand_in_a_causal_model() -> None:
    masks = category_masks("The bank river", "bank", OFFSETS, causal=True)
    first, previous, same, target, other = (masks[CATEGORIES.index(c)] for c in CATEGORIES)
    assert not masks[:, 0].any()  # the first query is not counted
    assert first[3, 0] and previous[3, 2] and same[3, 3] and other[3, 1]  # bank is previous to river: previous wins
    assert previous[2, 1] and same[2, 2] and not target[2, 2]  # the target's own token is its own word
    assert not masks[:, 1, 2:].any()  # a causal query sees nothing after it
    assert (masks.sum(0)[1:] == np.tril(np.ones((4, 4)))[1:]).all()  # the categories partition what is visible


def test_an_encoder_query_sees_the_target_after_it() -> None:
    masks = category_masks("The bank river", "bank", OFFSETS, causal=False)
    assert masks[CATEGORIES.index("target"), 1, 2] and masks[CATEGORIES.index("other"), 1, 3]


def test_shares_of_a_previous_token_head_and_of_uniform_attention() -> None:
    masks = category_masks("The bank river", "bank", OFFSETS, causal=True)
    previous_head = torch.zeros(1, 1, 4, 4)
    for i in range(1, 4):
        previous_head[0, 0, i, i - 1] = 1.0
    shares = pattern_shares(previous_head, masks)[0, 0] / 3
    # query 1's previous token is token 0, which counts as `first` (precedence): 1/3 first, 2/3 previous
    assert shares[CATEGORIES.index("previous")] == pytest.approx(2 / 3)
    assert shares[CATEGORIES.index("first")] == pytest.approx(1 / 3) and shares.sum() == pytest.approx(1.0)
    uniform = uniform_shares(masks) / 3
    # queries 1, 2, 3 see 2, 3, 4 tokens: first gets 1/2, 1/3, 1/4
    assert uniform[CATEGORIES.index("first")] == pytest.approx((1 / 2 + 1 / 3 + 1 / 4) / 3)
    assert uniform.sum() == pytest.approx(1.0)


def test_kind_is_the_category_most_above_uniform() -> None:
    uniform = np.array([0.3, 0.2, 0.2, 0.1, 0.2])
    assert kind_of(np.array([0.35, 0.5, 0.05, 0.05, 0.05]), uniform) == "previous"
    assert kind_of(np.array([0.8, 0.05, 0.05, 0.05, 0.05]), uniform) == "first"


def test_a_component_picks_the_heads_with_the_largest_scores() -> None:
    generator = torch.Generator().manual_seed(0)
    w_q = [torch.randn(2, 8, 2, generator=generator) for _ in range(3)]
    w_k = [torch.randn(2, 8, 2, generator=generator) for _ in range(3)]
    heads = HeadWeights(w_q, w_k, [torch.arange(2)] * 3, np.repeat(np.arange(3), 2), False, False)
    shares = HeadShares(np.full((3, 2, 5), 0.2), np.full(5, 0.2), 1, 1)
    components = top_components(heads, shares, AttentionConfig(n_components=2, heads_per_component=2))
    _, scores = principal_scores(gram(residual_forms(heads)), 2)
    best = np.argsort(-np.abs(scores[:, 0]))[:2]
    assert [(layer * 2 + head) for layer, head, _ in components[0].heads] == list(best)
    assert components[0].explained >= components[1].explained


def test_builtin_texts_are_the_prompts_and_anchors() -> None:
    from semphys.phase.inputs.builtin import BUILTIN

    texts = builtin_texts()
    expected = sum(len(w.prompts) + sum(len(w.anchors[s]) for s in w.senses) for w in BUILTIN.values())
    assert len(texts) == expected == 47 and ("The bank", "bank") in texts
