"""Attention patterns from the model's own eager attention: rows sum to 1, causal models never look ahead,
and the model goes back to its own attention implementation afterwards."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.lm.attention_patterns import attention_patterns


@pytest.mark.parametrize("name", ["gpt2", "falcon_multi_query", "gemma2", "bert", "t5_encoder"])
def test_patterns_are_distributions_and_causal_where_the_model_is(name: str, tiny_arch) -> None:
    lm = tiny_arch(name)
    before = lm.model.config._attn_implementation
    result = attention_patterns(lm, ["The river bank is muddy", "A bat"], layers=[0, 2])
    assert lm.model.config._attn_implementation == before
    first = result.patterns[0]
    assert first.shape == (2, 4, len(result.input_ids[0]), len(result.input_ids[0])) and result.layers == (0, 2)
    torch.testing.assert_close(first.sum(-1), torch.ones(first.shape[:-1]))
    ahead = float(first.triu(1).abs().max())
    # Falcon under sdpa returns unmasked weights from its own output_attentions; semphys runs it eager
    assert ahead == 0.0 if lm.facts.causal else ahead > 0.01


def test_patterns_equal_the_softmax_of_the_models_own_scores(tiny_arch) -> None:
    """GPT-2 layer 0 by hand: softmax(scale q k^T + causal mask) from c_attn on ln_1 of the embeddings."""
    lm = tiny_arch("gpt2")
    text = "The bat hung"
    ids = torch.tensor([lm.tokenizer(text)["input_ids"]])
    block = lm.layout.blocks[0]
    with torch.no_grad():
        x = block.ln_1(lm.body.wte(ids) + lm.body.wpe(torch.arange(ids.shape[1]))[None])[0]
        q, k, _ = block.attn.c_attn(x).split(64, dim=-1)
        q, k = (t.reshape(len(x), 4, 16).transpose(0, 1) for t in (q, k))
        scores = q @ k.transpose(1, 2) * block.attn.scaling
        scores = scores.masked_fill(torch.ones_like(scores, dtype=torch.bool).triu(1), float("-inf"))
    torch.testing.assert_close(attention_patterns(lm, [text], layers=[0]).patterns[0][0], scores.softmax(-1))


def test_refusals(tiny_arch) -> None:
    with pytest.raises(UserError, match="has no attention"):
        attention_patterns(tiny_arch("mamba"), ["A bat"])
    with pytest.raises(UserError, match="layers \\[3\\] out of range"):
        attention_patterns(tiny_arch("gpt2"), ["A bat"], layers=[3])
