"""Full-vocabulary reductions computed on the fly, one vocabulary slice at a time (issue 14: never stored per token).

Both take an iterable of logit slices [n, c] (`semphys.lm.logit_chunks`) and keep, per row, a running
maximum and a rescaled sum (the online softmax of Milakov and Gimelshein 2018), so the memory is
[n, n] or [n] whatever the vocabulary size.

    sqrt_prob_gram   G_ij = sum_v sqrt(p_i(v) p_j(v)): the Gram matrix of the square-root embedding
                     x = sqrt(p) of spec 4.4 (`semphys.langevin.coupling`); G_ij is the Bhattacharyya
                     coefficient of two next-token distributions. p at temperature T is softmax(l / T).
    row_kl           KL(p_i || q_i) between the rows of two streams of slices.
    row_overlap      sum_v p_i(v) q_i(v): the probability that a draw from p_i and one from q_i agree
                     (p = q: 1 - the chance that two draws of one read-out differ).
"""

from collections.abc import Iterable

import numpy as np
import torch
from torch import Tensor


def sqrt_prob_gram(chunks: Iterable[Tensor], temperature: float = 1.0) -> np.ndarray:
    """[n, n] float64 Gram matrix of sqrt(softmax(logits / T)) rows."""
    peak = total = gram = None
    for logits in chunks:
        scaled = logits.double() / temperature
        new_peak = scaled.max(dim=1).values if peak is None else torch.maximum(peak, scaled.max(dim=1).values)
        half = torch.exp((scaled - new_peak[:, None]) / 2)
        if peak is None:
            total, gram = (half**2).sum(dim=1), half @ half.T
        else:
            shrink = torch.exp((peak - new_peak) / 2)
            total = total * shrink**2 + (half**2).sum(dim=1)
            gram = gram * shrink[:, None] * shrink[None, :] + half @ half.T
        peak = new_peak
    root = torch.sqrt(total)
    return (gram / root[:, None] / root[None, :]).numpy()


def row_kl(chunks_p: Iterable[Tensor], chunks_q: Iterable[Tensor]) -> np.ndarray:
    """[n] KL(softmax(a_i) || softmax(b_i)) in nats for two aligned streams of logit slices."""
    peak_a = peak_b = sum_a = sum_b = cross = None
    for a, b in zip(chunks_p, chunks_q, strict=True):
        a, b = a.double(), b.double()
        new_a = a.max(dim=1).values if peak_a is None else torch.maximum(peak_a, a.max(dim=1).values)
        new_b = b.max(dim=1).values if peak_b is None else torch.maximum(peak_b, b.max(dim=1).values)
        weight_a = torch.exp(a - new_a[:, None])
        if peak_a is None:
            sum_a, cross = weight_a.sum(dim=1), (weight_a * (a - b)).sum(dim=1)
            sum_b = torch.exp(b - new_b[:, None]).sum(dim=1)
        else:
            shrink = torch.exp(peak_a - new_a)
            sum_a = sum_a * shrink + weight_a.sum(dim=1)
            cross = cross * shrink + (weight_a * (a - b)).sum(dim=1)
            sum_b = sum_b * torch.exp(peak_b - new_b) + torch.exp(b - new_b[:, None]).sum(dim=1)
        peak_a, peak_b = new_a, new_b
    lse_a, lse_b = peak_a + torch.log(sum_a), peak_b + torch.log(sum_b)
    return (cross / sum_a - lse_a + lse_b).numpy()


def row_overlap(chunks_p: Iterable[Tensor], chunks_q: Iterable[Tensor]) -> np.ndarray:
    """[n] sum_v softmax(a_i)(v) softmax(b_i)(v) for two aligned streams of logit slices."""
    peak_a = peak_b = sum_a = sum_b = cross = None
    for a, b in zip(chunks_p, chunks_q, strict=True):
        a, b = a.double(), b.double()
        new_a = a.max(dim=1).values if peak_a is None else torch.maximum(peak_a, a.max(dim=1).values)
        new_b = b.max(dim=1).values if peak_b is None else torch.maximum(peak_b, b.max(dim=1).values)
        ea, eb = torch.exp(a - new_a[:, None]), torch.exp(b - new_b[:, None])
        if peak_a is None:
            sum_a, sum_b, cross = ea.sum(dim=1), eb.sum(dim=1), (ea * eb).sum(dim=1)
        else:
            shrink_a, shrink_b = torch.exp(peak_a - new_a), torch.exp(peak_b - new_b)
            sum_a = sum_a * shrink_a + ea.sum(dim=1)
            sum_b = sum_b * shrink_b + eb.sum(dim=1)
            cross = cross * shrink_a * shrink_b + (ea * eb).sum(dim=1)
        peak_a, peak_b = new_a, new_b
    return (cross / sum_a / sum_b).numpy()
