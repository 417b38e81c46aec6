"""Per-head W_Q / W_K read from each architecture reproduce the model's own queries and keys."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.lm import LM, qk_weights
from semphys.lm.models.architecture import blocks


def _block_input(lm: LM, layer: int, text: str = "I sat by the river bank") -> torch.Tensor:
    """The residual stream entering block `layer`: [seq, d_model]."""
    ids = lm.tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        return lm.body(input_ids=ids, output_hidden_states=True).hidden_states[layer][0]


def _heads(x: torch.Tensor, n: int) -> torch.Tensor:
    """[seq, n * d_head] -> [n, seq, d_head]"""
    return x.reshape(x.shape[0], n, -1).transpose(0, 1)


def test_gpt2_fused_c_attn(tiny_gpt2: LM) -> None:
    layer = 1
    block = blocks(tiny_gpt2.body)[layer]
    with torch.inference_mode():
        normed = block.ln_1(_block_input(tiny_gpt2, layer))
        q, k, _ = block.attn.c_attn(normed).split(32, dim=-1)
        w = qk_weights(tiny_gpt2, layer)
        torch.testing.assert_close(normed @ w.W_Q + w.b_Q[:, None], _heads(q, 4))
        torch.testing.assert_close(normed @ w.W_K + w.b_K[:, None], _heads(k, 4))
        # Folding ln_1's gain and bias gives the same queries from the bare normalised input.
        folded = qk_weights(tiny_gpt2, layer, fold_input_norm=True)
        bare = torch.nn.functional.layer_norm(_block_input(tiny_gpt2, layer), (32,), eps=block.ln_1.eps)
        torch.testing.assert_close(bare @ folded.W_Q + folded.b_Q[:, None], _heads(q, 4), rtol=1e-4, atol=1e-5)
    assert w.scale == pytest.approx(8**-0.5) and not w.rotary and not w.qk_norm


def test_bert_query_key(minilm: LM) -> None:
    layer = 2
    attn = blocks(minilm.body)[layer].attention.self
    x = _block_input(minilm, layer)
    w = qk_weights(minilm, layer)
    with torch.inference_mode():
        torch.testing.assert_close(x @ w.W_Q + w.b_Q[:, None], _heads(attn.query(x), 12), rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(x @ w.W_K + w.b_K[:, None], _heads(attn.key(x), 12), rtol=1e-4, atol=1e-4)
    assert w.W_Q.shape == (12, 384, 32) and w.kv_head(11) == 11


def test_gemma_grouped_kv_heads_and_qk_norm(embedded: LM) -> None:
    layer = 5
    attn = blocks(embedded.body)[layer].self_attn
    with torch.inference_mode():
        x = blocks(embedded.body)[layer].input_layernorm(_block_input(embedded, layer))
        raw = qk_weights(embedded, layer, fold_qk_norm_gain=False)
        folded = qk_weights(embedded, layer)
        torch.testing.assert_close(x @ raw.W_Q, _heads(attn.q_proj(x), 4), rtol=1e-4, atol=1e-3)
        # QK-norm: the model's normalised query equals the folded projection over the RMS of the raw one.
        query = attn.q_norm(_heads(attn.q_proj(x), 4))
        rms = (x @ raw.W_Q).pow(2).mean(-1, keepdim=True).add(attn.q_norm.eps).sqrt()
        torch.testing.assert_close((x @ folded.W_Q) / rms, query, rtol=1e-4, atol=1e-4)
    assert (raw.n_heads, raw.n_kv_heads) == (4, 1)
    assert [raw.kv_head(h) for h in range(4)] == [0, 0, 0, 0]
    assert raw.qk_norm and raw.rotary and raw.scale == pytest.approx(256**-0.5)
    all_heads = folded.bilinear_all()
    assert all_heads.shape == (4, 640, 640)
    torch.testing.assert_close(all_heads[3], folded.W_Q[3] @ folded.W_K[0].T)


def test_bilinear_form_gives_the_attention_score(tiny_gpt2: LM) -> None:
    """x W_QK y^T equals q.k without biases, for every head."""
    w = qk_weights(tiny_gpt2, 0)
    x, y = torch.randn(32), torch.randn(32)
    for head in range(w.n_heads):
        expected = (x @ w.W_Q[head]) @ (y @ w.W_K[head])
        torch.testing.assert_close(x @ w.bilinear(head) @ y, expected, rtol=1e-4, atol=1e-5)


def test_layer_out_of_range(tiny_gpt2: LM) -> None:
    with pytest.raises(UserError, match="layer 2 out of range: blocks run from 0 to 1"):
        qk_weights(tiny_gpt2, 2)
