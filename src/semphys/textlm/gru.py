"""A GRU language model (Cho et al. 2014): the recurrent baseline.

Embedding -> GRU layers -> linear read-out to the vocabulary. Each window starts from a zero
state, like every other model evaluated on the same windows (`semphys.textlm.batches`).
"""

from dataclasses import dataclass

import torch
from torch import nn

from semphys.core.validate import require_at_least
from semphys.textlm.data import VOCAB_SIZE
from semphys.textlm.objective import LMOutput


@dataclass(frozen=True)
class GRUConfig:
    """Shape of the GRU LM."""

    vocab_size: int = VOCAB_SIZE
    """Token vocabulary."""
    d_embed: int = 64
    """Token embedding width."""
    d_hidden: int = 128
    """GRU state width."""
    n_layers: int = 1
    """Stacked GRU layers."""

    def __post_init__(self) -> None:
        for name in ("vocab_size", "d_embed", "d_hidden", "n_layers"):
            require_at_least(name, getattr(self, name), 1)


class GRULM(nn.Module):
    """Next-token logits from a GRU over the window."""

    def __init__(self, config: GRUConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_embed)
        self.gru = nn.GRU(config.d_embed, config.d_hidden, num_layers=config.n_layers, batch_first=True)
        self.out = nn.Linear(config.d_hidden, config.vocab_size)

    def forward(self, inputs: torch.Tensor, origins: torch.Tensor | None = None) -> LMOutput:
        """inputs: int64 `[B, T]`; origins are ignored."""
        states, _ = self.gru(self.embed(inputs))
        logits = self.out(states)
        return LMOutput(logits, logits.new_zeros(()))
