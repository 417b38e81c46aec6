"""`QKWeights`: the query and key weights of one layer, split per head, with the attention logits' algebra
(W_QK per head, queries and keys under QK-norm), and `fold_qk_norm`, which multiplies the QK-norm gains into
the weights. The readers (`semphys.lm.models.readers`) build them.
"""

from dataclasses import dataclass, replace

import torch
from torch import Tensor


@dataclass(frozen=True)
class QKWeights:
    """Query and key weights of one layer, split per head.

    The attention logit of head h between a query vector x and a key vector y (after the block's
    input norm) is `scale * q_h(x) . k_kv(h)(y)` with `q_h(x) = x W_Q[h] + b_Q[h]`, passed through the
    QK-norm when there is one (`queries`, `keys`), and rotated by position when `rotary_dims > 0`.
    """

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
    """Whether queries and keys are RMS-normalised (Gemma 3, Qwen3, OLMo2) before the dot product."""
    rotary: bool
    qk_norm_span: str | None = None
    """`head` (each head's d_head vector) or `all_heads` (the whole [H d_head] vector, OLMo2); None without QK-norm."""
    qk_norm_eps: float = 0.0
    q_gain: Tensor | None = None
    """Effective multiplicative QK-norm gain of the queries ((1 + w) for Gemma, w otherwise): [d_head] or [H d_head]."""
    k_gain: Tensor | None = None
    gains_folded: bool = False
    """Whether q_gain/k_gain are already multiplied into W_Q/W_K (and the biases)."""
    rotary_dims: int = 0
    """Dimensions of each head that rotary embeddings rotate (d_head, fewer under partial rotary, 0 without)."""
    reader: str = ""
    """Name of the reader in `READERS` that produced these weights."""
    notes: str = ""
    """What else the attention does that is not in these weights (softcapping, sliding window, ALiBi)."""

    @property
    def n_heads(self) -> int:
        return self.W_Q.shape[0]

    @property
    def n_kv_heads(self) -> int:
        return self.W_K.shape[0]

    @property
    def d_head(self) -> int:
        return self.W_Q.shape[2]

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

    def queries(self, x: Tensor) -> Tensor:
        """The model's queries at relative position 0 for attention inputs x [..., d_model]: [..., n_heads, d_head]."""
        return self._project(x, self.W_Q, self.b_Q, self.q_gain)

    def keys(self, x: Tensor) -> Tensor:
        """The model's keys at relative position 0: [..., n_kv_heads, d_head]."""
        return self._project(x, self.W_K, self.b_K, self.k_gain)

    def _project(self, x: Tensor, weight: Tensor, bias: Tensor | None, gain: Tensor | None) -> Tensor:
        out = torch.einsum("...d,hde->...he", x, weight)
        if bias is not None:
            out = out + bias
        if not self.qk_norm:
            return out
        if self.gains_folded:
            raise ValueError(
                "queries()/keys() under QK-norm need the unfolded weights: qk_weights(..., fold_qk_norm_gain=False)"
            )
        flat = out.flatten(-2) if self.qk_norm_span == "all_heads" else out
        normed = flat * torch.rsqrt(flat.pow(2).mean(-1, keepdim=True) + self.qk_norm_eps) * gain
        return normed.reshape(out.shape)


def _fold(weight: Tensor, bias: Tensor | None, gain: Tensor) -> tuple[Tensor, Tensor | None]:
    per_head = gain.reshape(weight.shape[0], weight.shape[2]) if gain.numel() != weight.shape[2] else gain[None]
    return weight * per_head[:, None, :], None if bias is None else bias * per_head


def fold_qk_norm(weights: QKWeights) -> QKWeights:
    """The QK-norm gains multiplied into W_Q/W_K and the biases (the normalisation itself cannot be folded)."""
    w_q, b_q = _fold(weights.W_Q, weights.b_Q, weights.q_gain)
    w_k, b_k = _fold(weights.W_K, weights.b_K, weights.k_gain)
    return replace(weights, W_Q=w_q, b_Q=b_q, W_K=w_k, b_K=b_k, gains_folded=True)
