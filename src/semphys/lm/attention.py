"""Per-layer, per-head query/key weights across architectures, for the W_QK analysis (spec 001 exp. 6).

For head h at a layer, the attention logit between a query token x and a key token y is, before
softmax and leaving out what is listed below,

    score(x, y) = scale * (x W_Q[h] + b_Q[h]) . (y W_K[kv(h)] + b_K[kv(h)])

with `W_Q: [n_heads, d_model, d_head]`, `W_K: [n_kv_heads, d_model, d_head]`. Under grouped-query
attention several query heads share one key head: `kv(h) = h // (n_heads // n_kv_heads)`
(Gemma-3-270M: 4 query heads, 1 key/value head). The bilinear form of head h on the residual
stream is `W_QK[h] = W_Q[h] @ W_K[kv(h)].T: [d_model, d_model]`.

Read from each architecture:
    GPT-2   `attn.c_attn` (Conv1D, weight [d_model, 3 d_model] = [Q | K | V], with biases)
    BERT    `attention.self.query` / `.key` (Linear, with biases)
    Gemma 3 `self_attn.q_proj` / `.k_proj` (Linear, no biases), QK-norm `q_norm` / `k_norm`

What the bilinear form does NOT include:
- Rotary position embeddings (Gemma): queries and keys are rotated by position-dependent angles
  between the projection and the dot product; `W_QK` is the form at relative distance 0.
- QK-norm (Gemma): an RMS normalisation of each head's query and key vector, then a gain `1 + w`.
  The normalisation is not linear (it removes each vector's scale), so it cannot be folded into
  `W_QK`; the gains can (`fold_qk_norm_gain=True`, the default, multiplies them in).
- The block's input norm (LayerNorm / RMSNorm before attention in GPT-2 and Gemma): its gain can be
  folded into W_Q and W_K (`fold_input_norm=True`, as TransformerLens folds LayerNorm); its
  normalisation cannot. BERT normalises after attention, so there is nothing to fold.
- The softmax scale (`scale`, recorded separately) and the attention mask.
"""

from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from semphys.errors import UserError
from semphys.lm.architecture import blocks
from semphys.lm.loading import LM


@dataclass(frozen=True)
class QKWeights:
    """Query and key weights of one layer, split per head."""

    layer: int
    W_Q: Tensor
    """[n_heads, d_model, d_head]"""
    W_K: Tensor
    """[n_kv_heads, d_model, d_head]"""
    b_Q: Tensor | None
    """[n_heads, d_head] or None"""
    b_K: Tensor | None
    """[n_kv_heads, d_head] or None"""
    scale: float
    """Factor on q.k before softmax."""
    qk_norm: bool
    """Whether queries and keys are RMS-normalised per head (Gemma); gains already folded if asked."""
    rotary: bool

    @property
    def n_heads(self) -> int:
        return self.W_Q.shape[0]

    @property
    def n_kv_heads(self) -> int:
        return self.W_K.shape[0]

    def kv_head(self, head: int) -> int:
        """The key/value head that query head `head` reads under grouped-query attention."""
        return head // (self.n_heads // self.n_kv_heads)

    def bilinear(self, head: int) -> Tensor:
        """W_QK of one head: `W_Q[h] @ W_K[kv(h)].T`, [d_model, d_model]."""
        return self.W_Q[head] @ self.W_K[self.kv_head(head)].T

    def bilinear_all(self) -> Tensor:
        """W_QK of every query head: [n_heads, d_model, d_model]."""
        kv = torch.tensor([self.kv_head(h) for h in range(self.n_heads)])
        return self.W_Q @ self.W_K[kv].transpose(1, 2)


def qk_weights(lm: LM, layer: int, fold_qk_norm_gain: bool = True, fold_input_norm: bool = False) -> QKWeights:
    """Query/key weights of block `layer` (0-based) of a loaded model; see the module docstring."""
    facts = lm.facts
    if not 0 <= layer < facts.n_layers:
        raise UserError(f"layer {layer} out of range: blocks run from 0 to {facts.n_layers - 1}")
    block = blocks(lm.body)[layer]
    with torch.no_grad():
        if facts.architecture == "gpt2":
            weights = _gpt2(block, layer, facts.n_heads, facts.d_head)
        elif facts.architecture == "bert":
            weights = _bert(block, layer, facts.n_heads, facts.d_head)
        elif facts.architecture in ("gemma3_text", "gemma3"):
            weights = _gemma3(block, layer, facts.n_heads, facts.n_kv_heads, facts.d_head, fold_qk_norm_gain)
        else:
            raise UserError(
                f"W_QK access is implemented for gpt2, bert and gemma3_text, not {facts.architecture!r}"
            )
        if fold_input_norm:
            weights = _fold_input_norm(weights, block, facts.architecture)
    return _on_cpu(weights)


def _on_cpu(weights: QKWeights) -> QKWeights:
    """The same weights as CPU tensors (a model on a GPU gives GPU tensors)."""
    def cpu(t: Tensor | None) -> Tensor | None:
        return None if t is None else t.detach().cpu()

    return replace(weights, W_Q=cpu(weights.W_Q), W_K=cpu(weights.W_K), b_Q=cpu(weights.b_Q), b_K=cpu(weights.b_K))


def _split_heads(weight: Tensor, n_heads: int, d_head: int) -> Tensor:
    """[d_model, n_heads * d_head] (input-major) -> [n_heads, d_model, d_head]."""
    return weight.reshape(weight.shape[0], n_heads, d_head).permute(1, 0, 2).contiguous()


def _gpt2(block: nn.Module, layer: int, n_heads: int, d_head: int) -> QKWeights:
    attn = block.attn
    d_model = n_heads * d_head
    weight, bias = attn.c_attn.weight, attn.c_attn.bias  # Conv1D: [d_model, 3 d_model], [3 d_model]
    scale = (d_head**-0.5 if attn.scale_attn_weights else 1.0) / (
        float(layer + 1) if attn.scale_attn_by_inverse_layer_idx else 1.0
    )
    return QKWeights(
        layer=layer,
        W_Q=_split_heads(weight[:, :d_model], n_heads, d_head),
        W_K=_split_heads(weight[:, d_model : 2 * d_model], n_heads, d_head),
        b_Q=bias[:d_model].reshape(n_heads, d_head).clone(),
        b_K=bias[d_model : 2 * d_model].reshape(n_heads, d_head).clone(),
        scale=scale,
        qk_norm=False,
        rotary=False,
    )


def _bert(block: nn.Module, layer: int, n_heads: int, d_head: int) -> QKWeights:
    self_attn = block.attention.self
    return QKWeights(
        layer=layer,
        W_Q=_split_heads(self_attn.query.weight.T, n_heads, d_head),
        W_K=_split_heads(self_attn.key.weight.T, n_heads, d_head),
        b_Q=self_attn.query.bias.reshape(n_heads, d_head).clone(),
        b_K=self_attn.key.bias.reshape(n_heads, d_head).clone(),
        scale=d_head**-0.5,
        qk_norm=False,
        rotary=False,
    )


def _gemma3(block: nn.Module, layer: int, n_heads: int, n_kv: int, d_head: int, fold_gain: bool) -> QKWeights:
    attn = block.self_attn
    W_Q = _split_heads(attn.q_proj.weight.T, n_heads, d_head)
    W_K = _split_heads(attn.k_proj.weight.T, n_kv, d_head)
    if fold_gain:  # Gemma RMSNorm multiplies by (1 + weight)
        W_Q = W_Q * (1.0 + attn.q_norm.weight)
        W_K = W_K * (1.0 + attn.k_norm.weight)
    return QKWeights(
        layer=layer, W_Q=W_Q, W_K=W_K, b_Q=None, b_K=None, scale=float(attn.scaling), qk_norm=True, rotary=True
    )


def _fold_input_norm(weights: QKWeights, block: nn.Module, architecture: str) -> QKWeights:
    """Multiply the input norm's gain into W_Q/W_K (and its bias, for LayerNorm, into b_Q/b_K)."""
    if architecture == "bert":  # post-norm: attention reads the previous block's normalised output
        return weights
    norm = block.ln_1 if architecture == "gpt2" else block.input_layernorm
    gain = norm.weight if architecture == "gpt2" else 1.0 + norm.weight  # Gemma RMSNorm: (1 + w)
    b_Q, b_K = weights.b_Q, weights.b_K
    if getattr(norm, "bias", None) is not None:
        b_Q = b_Q + torch.einsum("d,hde->he", norm.bias, weights.W_Q)
        b_K = b_K + torch.einsum("d,hde->he", norm.bias, weights.W_K)
    return QKWeights(
        layer=weights.layer,
        W_Q=gain[None, :, None] * weights.W_Q,
        W_K=gain[None, :, None] * weights.W_K,
        b_Q=b_Q,
        b_K=b_K,
        scale=weights.scale,
        qk_norm=weights.qk_norm,
        rotary=weights.rotary,
    )
