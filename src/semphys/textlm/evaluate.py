"""Per-token validation perplexity of a neural LM on fixed evaluation windows.

perplexity = exp(sum of -log p(target) / number of targets), over every target of
`eval_windows(valid, seq_len)`: each validation token but the first is predicted once, with the
context its window gives it. The n-gram baselines score the same targets (`NgramLM.perplexity`).
"""

import math
from dataclasses import dataclass

import torch

from semphys.textlm.batches import Batch
from semphys.textlm.objective import token_nll


@dataclass(frozen=True)
class Perplexity:
    """Validation perplexity and what it was computed on."""

    ppl: float
    mean_nll: float
    """Mean negative log-likelihood in nats per token."""
    n_tokens: int


@torch.no_grad()
def perplexity(model: torch.nn.Module, windows: Batch, batch_size: int = 64) -> Perplexity:
    """Perplexity of `model` on `windows` (model run in eval mode, its mode restored afterwards)."""
    was_training = model.training
    model.eval()
    total = 0.0
    try:
        for start in range(0, len(windows), batch_size):
            part = windows.rows(start, start + batch_size)
            total += float(token_nll(model(part.inputs, part.origins).logits, part.targets).double().sum())
    finally:
        model.train(was_training)
    mean = total / windows.n_tokens
    return Perplexity(math.exp(mean), mean, windows.n_tokens)
