"""A small causal transformer LM whose feed-forward layer can be swapped (dense FFN or a mixture of experts).

Pre-norm GPT blocks (Radford et al. 2019): x <- x + Attn(LN(x)), x <- x + FFN(LN(x)), learned
positions, tied input/output embeddings, a final LayerNorm. Attention is torch's
`scaled_dot_product_attention` with a causal mask. The FFN of every block comes from
`ffn_factory(layer_index)`; it is called as `ffn(h, origins)` and returns an `FFNOutput`, so a
router that reads the text's origin (spec 003) plugs in without touching the rest of the model.
The dense FFN is the default: this is both the dense baseline and the body of the MoE models.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least
from semphys.textlm.data import VOCAB_SIZE
from semphys.textlm.objective import LMOutput

INIT_STD = 0.02
"""Standard deviation of the GPT-2 initialisation of every weight matrix and embedding."""


@dataclass(frozen=True)
class TransformerConfig:
    """Shape of the transformer."""

    vocab_size: int = VOCAB_SIZE
    """Token vocabulary (the tokenizer's)."""
    d_model: int = 64
    """Residual stream width."""
    n_heads: int = 4
    """Attention heads; must divide d_model."""
    n_layers: int = 2
    """Transformer blocks."""
    d_ff: int = 256
    """Hidden width of the dense FFN."""
    max_seq_len: int = 128
    """Longest input: the size of the learned position table."""

    def __post_init__(self) -> None:
        for name in ("vocab_size", "d_model", "n_heads", "n_layers", "d_ff", "max_seq_len"):
            require_at_least(name, getattr(self, name), 1)
        if self.d_model % self.n_heads:
            raise UserError(f"d_model {self.d_model} must be a multiple of n_heads {self.n_heads}")


@dataclass
class FFNOutput:
    """A feed-forward layer's result."""

    out: torch.Tensor
    """`[batch, seq, d_model]`."""
    aux_loss: torch.Tensor
    """Scalar auxiliary loss, already weighted (0 for a dense FFN)."""
    stats: Any = None
    """Whatever the layer reports (routing decisions); None for a dense FFN."""


class DenseFFN(nn.Module):
    """Linear -> GELU -> Linear, `d_model -> d_ff -> d_model`."""

    def __init__(self, d_model: int, d_ff: int) -> None:
        super().__init__()
        self.up = nn.Linear(d_model, d_ff)
        self.down = nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor, origins: torch.Tensor | None = None) -> FFNOutput:
        return FFNOutput(self.down(F.gelu(self.up(x))), x.new_zeros(()))


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention, `[B, T, d] -> [B, T, d]`."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """Pre-norm transformer block with a pluggable FFN."""

    def __init__(self, config: TransformerConfig, ffn: nn.Module) -> None:
        super().__init__()
        self.ln_attn = nn.LayerNorm(config.d_model)
        self.attn = CausalSelfAttention(config.d_model, config.n_heads)
        self.ln_ffn = nn.LayerNorm(config.d_model)
        self.ffn = ffn

    def forward(self, x: torch.Tensor, origins: torch.Tensor | None) -> tuple[torch.Tensor, FFNOutput]:
        x = x + self.attn(self.ln_attn(x))
        ffn = self.ffn(self.ln_ffn(x), origins)
        return x + ffn.out, ffn


class TransformerLM(nn.Module):
    """Causal transformer LM; `ffn_factory(layer)` builds each block's FFN (default `DenseFFN`)."""

    def __init__(self, config: TransformerConfig, ffn_factory: Callable[[int], nn.Module] | None = None) -> None:
        super().__init__()
        self.config = config
        make_ffn = ffn_factory or (lambda layer: DenseFFN(config.d_model, config.d_ff))
        self.tok = nn.Embedding(config.vocab_size, config.d_model)
        self.pos = nn.Embedding(config.max_seq_len, config.d_model)
        self.blocks = nn.ModuleList(Block(config, make_ffn(i)) for i in range(config.n_layers))
        self.ln_out = nn.LayerNorm(config.d_model)
        self.apply(_init_weights)

    def forward(self, inputs: torch.Tensor, origins: torch.Tensor | None = None) -> LMOutput:
        """inputs: int64 `[B, T]` (T <= max_seq_len); origins: int64 `[B, T]` or None."""
        t = inputs.shape[1]
        if t > self.config.max_seq_len:
            raise UserError(f"sequence of {t} tokens is longer than max_seq_len {self.config.max_seq_len}")
        x = self.tok(inputs) + self.pos(torch.arange(t, device=inputs.device))
        aux = x.new_zeros(())
        stats = []
        for block in self.blocks:
            x, ffn = block(x, origins)
            aux = aux + ffn.aux_loss
            stats.append(ffn.stats)
        logits = self.ln_out(x) @ self.tok.weight.T
        return LMOutput(logits, aux, stats)


def _init_weights(module: nn.Module) -> None:
    """GPT-2 initialisation: N(0, INIT_STD) weights, zero biases."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=INIT_STD)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters of `model` (tied weights counted once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
