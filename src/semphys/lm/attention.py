"""Per-layer, per-head query/key weights of any architecture, for the W_QK analysis (spec 001 exp. 6, B, C).

For head h at a layer, the attention logit between a query token x and a key token y is, before
softmax and leaving out what is listed below,

    score(x, y) = scale * (x W_Q[h] + b_Q[h]) . (y W_K[kv(h)] + b_K[kv(h)])

with `W_Q: [n_heads, d_model, d_head]`, `W_K: [n_kv_heads, d_model, d_head]`. Under grouped-query
attention several query heads share one key head: `kv(h) = h // (n_heads // n_kv_heads)`
(Gemma-3-270M: 4 query heads, 1 key/value head). The bilinear form of head h on the residual
stream is `W_QK[h] = W_Q[h] @ W_K[kv(h)].T: [d_model, d_model]`.

Each architecture's layout is read by its entry in `semphys.lm.models.readers.READERS` (GPT-2's fused
`c_attn`, Phi-3's `qkv_proj`, GPT-NeoX's per-head `query_key_value`, Falcon's three layouts, and the
separate projections of Llama, BERT, DistilBERT, T5, ...). `semphys lm check` verifies each against
the module's own queries and keys.

What the bilinear form does NOT include:
- Rotary position embeddings (Llama, Gemma, ...; partial in GPT-NeoX and Phi-3): queries and keys are
  rotated by position-dependent angles between the projection and the dot product; `W_QK` is the form
  at relative distance 0 (`rotary_dims` says how many dimensions of each head rotate).
- QK-norm (Gemma 3, Qwen3, OLMo2): an RMS normalisation of each head's query and key (of all heads at
  once in OLMo2), then a gain. The normalisation is not linear (it removes each vector's scale), so it
  cannot be folded into `W_QK`; the gains can (`fold_qk_norm_gain=True`, the default).
- The block's input norm (LayerNorm / RMSNorm before attention in pre-norm blocks): its gain can be
  folded into W_Q and W_K (`fold_input_norm=True`, as TransformerLens folds LayerNorm), and a
  LayerNorm's bias into b_Q, b_K; its normalisation cannot. Post-norm blocks (BERT, DistilBERT,
  OLMo2) have nothing to fold.
- The softmax scale (`scale`, recorded separately: OPT multiplies its queries by it before attention,
  the reader reports the raw projection and the scale), the attention mask, softcapping and position
  biases (T5's relative buckets, ALiBi): see `QKWeights.notes`.
"""

from dataclasses import replace

import torch
from torch import Tensor, nn

from semphys.core.errors import UserError
from semphys.lm.models.loading import LM
from semphys.lm.models.qk_weights import QKWeights
from semphys.lm.models.readers import Reader, input_norm, read_qk, reader_for

__all__ = ["QKWeights", "qk_weights", "reader_of"]


def reader_of(lm: LM) -> Reader:
    """The reader of a loaded model's attention (UnsupportedModel for a state-space model)."""
    return reader_for(lm.facts.architecture, lm.layout.blocks[0])


def qk_weights(lm: LM, layer: int, fold_qk_norm_gain: bool = True, fold_input_norm: bool = False) -> QKWeights:
    """Query/key weights of block `layer` (0-based) of a loaded model, as CPU float32 tensors."""
    facts = lm.facts
    if not 0 <= layer < facts.n_layers:
        raise UserError(f"layer {layer} out of range: blocks run from 0 to {facts.n_layers - 1}")
    reader = reader_of(lm)
    block = lm.layout.blocks[layer]
    weights = _on_cpu(read_qk(reader, block, layer, lm.body.config.get_text_config(), fold_qk_norm_gain))
    return _fold_input_norm(weights, reader, block) if fold_input_norm else weights


def _on_cpu(weights: QKWeights) -> QKWeights:
    """The same weights as CPU tensors (a model on a GPU gives GPU tensors)."""

    def cpu(t: Tensor | None) -> Tensor | None:
        return None if t is None else t.detach().cpu()

    return replace(
        weights,
        W_Q=cpu(weights.W_Q),
        W_K=cpu(weights.W_K),
        b_Q=cpu(weights.b_Q),
        b_K=cpu(weights.b_K),
        q_gain=cpu(weights.q_gain),
        k_gain=cpu(weights.k_gain),
    )


def _fold_input_norm(weights: QKWeights, reader: Reader, block: nn.Module) -> QKWeights:
    """Multiply the input norm's gain into W_Q/W_K (and a LayerNorm's bias into b_Q/b_K).

    With a bare normalisation n(x) (centred and scaled for LayerNorm, scaled for RMSNorm), the norm
    is g * n(x) + b, so q = n(x) (g W_Q) + (b W_Q + b_Q).
    """
    norm = input_norm(reader, block)
    if norm is None:  # post-norm: attention reads the previous block's normalised output
        return weights
    with torch.no_grad():
        weight, bias = getattr(norm, "weight", None), getattr(norm, "bias", None)
        gain = torch.ones(weights.W_Q.shape[1]) if weight is None else weight.detach().float().cpu()
        gain = 1.0 + gain if reader.norm_gain == "1+w" else gain
        b_q, b_k = weights.b_Q, weights.b_K
        if bias is not None:
            bias = bias.detach().float().cpu()
            b_q = _bias_or_zero(b_q, weights.W_Q) + torch.einsum("d,hde->he", bias, weights.W_Q)
            b_k = _bias_or_zero(b_k, weights.W_K) + torch.einsum("d,hde->he", bias, weights.W_K)
        return replace(
            weights, W_Q=gain[None, :, None] * weights.W_Q, W_K=gain[None, :, None] * weights.W_K, b_Q=b_q, b_K=b_k
        )


def _bias_or_zero(bias: Tensor | None, weight: Tensor) -> Tensor:
    return torch.zeros(weight.shape[0], weight.shape[2]) if bias is None else bias.cpu()
