"""Full-vocabulary reductions computed on the fly, one vocabulary slice at a time (never stored per token).

Both take an iterable of logit slices [n, c] (`semphys.lm.logit_chunks`) and keep, per row, a running
maximum and a rescaled sum (the online softmax of Milakov and Gimelshein 2018), so the memory is
[n, n] or [n] whatever the vocabulary size.

    sqrt_prob_gram   G_ij = sum_v sqrt(p_i(v) p_j(v)): the Gram matrix of the square-root embedding
                     x = sqrt(p) of spec 000 §4.4 (`semphys.langevin.decoding.coupling`); G_ij is the Bhattacharyya
                     coefficient of two next-token distributions. p at temperature T is softmax(l / T).
    row_kl           KL(p_i || q_i) between the rows of two streams of slices.
    row_overlap      sum_v p_i(v) q_i(v): the probability that a draw from p_i and one from q_i agree
                     (p = q: 1 - the chance that two draws of one read-out differ).
"""

from collections.abc import Iterable

import numpy as np
import torch
from torch import Tensor


class _RunningSoftmax:
    """The online-softmax bookkeeping of one stream of logit slices: per row a running maximum and the
    sum of exp(logit - maximum), rescaled whenever the maximum grows."""

    def __init__(self) -> None:
        self.peak: Tensor | None = None
        self.total: Tensor | None = None

    def add(self, logits: Tensor) -> tuple[Tensor, Tensor | None]:
        """Take one slice [n, c]: returns its weights exp(logits - new peak) [n, c] and the factor [n] by which
        sums over earlier slices must be rescaled (None for the first slice)."""
        slice_peak = logits.max(dim=1).values
        new_peak = slice_peak if self.peak is None else torch.maximum(self.peak, slice_peak)
        weights = torch.exp(logits - new_peak[:, None])
        shrink = None if self.peak is None else torch.exp(self.peak - new_peak)
        self.total = weights.sum(dim=1) if shrink is None else self.total * shrink + weights.sum(dim=1)
        self.peak = new_peak
        return weights, shrink

    @property
    def log_total(self) -> Tensor:
        """[n] log sum_v exp(logit(v)) over every slice so far."""
        return self.peak + torch.log(self.total)


def row_kl(chunks_p: Iterable[Tensor], chunks_q: Iterable[Tensor]) -> np.ndarray:
    """[n] KL(softmax(a_i) || softmax(b_i)) in nats for two aligned streams of logit slices."""
    p, q, cross = _RunningSoftmax(), _RunningSoftmax(), None
    for a, b in zip(chunks_p, chunks_q, strict=True):
        a, b = a.double(), b.double()
        weight_a, shrink = p.add(a)
        q.add(b)
        term = (weight_a * (a - b)).sum(dim=1)
        cross = term if shrink is None else cross * shrink + term
    return (cross / p.total - p.log_total + q.log_total).numpy()


def row_overlap(chunks_p: Iterable[Tensor], chunks_q: Iterable[Tensor]) -> np.ndarray:
    """[n] sum_v softmax(a_i)(v) softmax(b_i)(v) for two aligned streams of logit slices."""
    p, q, cross = _RunningSoftmax(), _RunningSoftmax(), None
    for a, b in zip(chunks_p, chunks_q, strict=True):
        weight_a, shrink_a = p.add(a.double())
        weight_b, shrink_b = q.add(b.double())
        term = (weight_a * weight_b).sum(dim=1)
        cross = term if shrink_a is None else cross * shrink_a * shrink_b + term
    return (cross / p.total / q.total).numpy()


def sqrt_prob_gram(chunks: Iterable[Tensor], temperature: float = 1.0) -> np.ndarray:
    """[n, n] float64 Gram matrix of sqrt(softmax(logits / T)) rows."""
    p, gram = _RunningSoftmax(), None
    for logits in chunks:
        weights, shrink = p.add(logits.double() / temperature)
        half = torch.sqrt(weights)
        if shrink is None:
            gram = half @ half.T
        else:
            root = torch.sqrt(shrink)
            gram = gram * root[:, None] * root[None, :] + half @ half.T
    norm = torch.sqrt(p.total)
    return (gram / norm[:, None] / norm[None, :]).numpy()
