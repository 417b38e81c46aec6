"""The W_Q/W_K readers: heads from the weights, QK-norm conventions, folds, and clear refusals."""

import pytest
import torch

from semphys.lm import qk_weights
from semphys.lm.models.architecture import UnsupportedModel
from semphys.lm.models.readers import READERS, input_norm, reader_for
from tests.lm.tiny_models import BUILDERS, EXPECTED_HEADS

ATTENTION = sorted(name for name in BUILDERS if name != "mamba")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_facts_come_from_the_weights(name: str, tiny_arch) -> None:
    facts = tiny_arch(name).facts
    assert (facts.n_heads, facts.n_kv_heads, facts.d_head) == EXPECTED_HEADS[name]
    assert facts.n_layers == 3 and facts.d_model == 64


def test_falcon_multi_query_has_one_key_head_whatever_the_config_says(tiny_arch) -> None:
    lm = tiny_arch("falcon_multi_query")
    assert lm.model.config.num_kv_heads == 4  # the config's name says 4; the fused weight holds 1 key head
    assert qk_weights(lm, 0).W_K.shape == (1, 64, 16)


def test_context_lengths(tiny_arch) -> None:
    assert tiny_arch("roberta").facts.max_positions == 128  # 130 rows, positions from padding_idx + 1 = 2
    assert tiny_arch("t5_encoder").facts.max_positions is None  # relative buckets
    assert tiny_arch("mamba").facts.max_positions is None
    assert tiny_arch("llama").facts.max_positions == 128
    assert not tiny_arch("t5_encoder").facts.causal and tiny_arch("mamba").facts.causal


def test_state_space_model_says_it_has_no_attention(tiny_arch) -> None:
    with pytest.raises(UnsupportedModel, match="'mamba' model is a state-space model: it has no attention"):
        qk_weights(tiny_arch("mamba"), 0)


@pytest.mark.parametrize(("name", "convention"), [("gemma3_text", "1+w"), ("qwen3", "w"), ("olmo2", "w")])
def test_qk_norm_gain_convention_is_folded(name: str, convention: str, tiny_arch) -> None:
    lm = tiny_arch(name)
    raw, folded = qk_weights(lm, 1, fold_qk_norm_gain=False), qk_weights(lm, 1)
    w = lm.layout.blocks[1].self_attn.q_norm.weight.detach()
    gain = 1 + w if convention == "1+w" else w
    per_head = (
        gain.reshape(raw.n_heads, raw.d_head) if gain.numel() > raw.d_head else gain[None].expand(raw.n_heads, -1)
    )
    torch.testing.assert_close(folded.W_Q, raw.W_Q * per_head[:, None, :])
    assert raw.qk_norm_span == ("all_heads" if name == "olmo2" else "head") and folded.gains_folded
    with pytest.raises(ValueError, match="unfolded weights"):
        folded.queries(torch.randn(2, 64))


def _bare(norm: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The input norm without its gain and bias: LayerNorm centres and scales, RMSNorm scales."""
    eps = getattr(norm, "eps", None) or getattr(norm, "variance_epsilon")
    if isinstance(norm, torch.nn.LayerNorm):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], eps=eps)
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


@pytest.mark.parametrize(
    "name", ["gpt2", "gpt_neox", "llama", "gemma2", "gemma3_text", "phi3", "opt", "falcon_new_decoder", "t5_encoder"]
)
def test_folding_the_input_norm_gives_the_queries_from_the_bare_normalised_input(name: str, tiny_arch) -> None:
    lm = tiny_arch(name)
    reader = reader_for(lm.facts.architecture, lm.layout.blocks[0])
    norm = input_norm(reader, lm.layout.blocks[2])
    x = 3 * torch.randn(5, 64) + 1
    with torch.no_grad():
        plain = qk_weights(lm, 2, fold_qk_norm_gain=False)
        folded = qk_weights(lm, 2, fold_qk_norm_gain=False, fold_input_norm=True)
        torch.testing.assert_close(folded.queries(_bare(norm, x)), plain.queries(norm(x)), rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(folded.keys(_bare(norm, x)), plain.keys(norm(x)), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["bert", "distilbert", "olmo2"])
def test_post_norm_blocks_have_nothing_to_fold(name: str, tiny_arch) -> None:
    lm = tiny_arch(name)
    torch.testing.assert_close(qk_weights(lm, 0, fold_input_norm=True).W_Q, qk_weights(lm, 0).W_Q)


def test_rotary_dims_are_stated_not_folded(tiny_arch) -> None:
    assert qk_weights(tiny_arch("gpt_neox"), 0).rotary_dims == 4  # rotary_pct 0.25 of 16
    assert qk_weights(tiny_arch("phi3"), 0).rotary_dims == 8  # partial_rotary_factor 0.5
    assert qk_weights(tiny_arch("llama"), 0).rotary_dims == 16
    assert qk_weights(tiny_arch("gpt2"), 0).rotary_dims == 0 and not qk_weights(tiny_arch("bert"), 0).rotary
    assert "soft-capped" in qk_weights(tiny_arch("gemma2"), 0).notes


def test_an_architecture_outside_the_table_gets_the_generic_reader_or_a_clear_refusal(tiny_arch) -> None:
    block = tiny_arch("llama").layout.blocks[0]
    generic = reader_for("llama_lookalike", block)
    assert generic.projections == ("q_proj", "k_proj") and "not in the table" in generic.name
    with pytest.raises(UnsupportedModel, match="QK-norm with a gain convention semphys does not know"):
        reader_for("qwen3_lookalike", tiny_arch("qwen3").layout.blocks[0])
    with pytest.raises(UnsupportedModel, match="no W_Q/W_K reader for 'odd'"):
        reader_for("odd", torch.nn.Sequential(torch.nn.Linear(2, 2)))
    assert set(READERS) >= {
        "gpt2",
        "gpt_neox",
        "llama",
        "mistral",
        "qwen2",
        "qwen3",
        "gemma2",
        "gemma3_text",
        "phi3",
        "opt",
        "falcon",
        "olmo2",
        "bert",
        "roberta",
        "distilbert",
        "t5",
    }
