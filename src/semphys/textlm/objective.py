"""What a language model here returns, and the next-token loss every one of them trains on.

A model is an `nn.Module` whose `forward(inputs [B, T], origins [B, T] | None)` returns an
`LMOutput`: next-token logits, the sum of its auxiliary losses (router load balancing, z-loss; a
zero tensor when it has none), and per-layer statistics it wants to report (routing decisions).
Auxiliary losses are returned, never collected in module state (STYLE.md).
"""

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from semphys.textlm.batches import Batch


@dataclass
class LMOutput:
    """A language model's forward result."""

    logits: torch.Tensor
    """`[batch, seq, vocab]`: unnormalised next-token scores."""
    aux_loss: torch.Tensor
    """Scalar: sum of the model's auxiliary losses (0 when it has none), already weighted."""
    layer_stats: list[Any] = field(default_factory=list)
    """Per layer, whatever the layer reports (e.g. routing decisions); empty for plain models."""


def token_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of each target, `[batch, seq]`, from logits `[batch, seq, vocab]`."""
    flat = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    return flat.view(targets.shape)


def lm_loss(model: torch.nn.Module, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
    """Mean next-token cross-entropy plus the model's auxiliary loss; metrics `ce` and `aux`."""
    output: LMOutput = model(batch.inputs, batch.origins)
    ce = token_nll(output.logits, batch.targets).mean()
    return ce + output.aux_loss, {"ce": float(ce.detach()), "aux": float(output.aux_loss.detach())}
