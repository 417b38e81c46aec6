"""The online vocabulary reductions equal the direct ones computed on the whole vocabulary at once."""

import numpy as np
import torch

from semphys.langevin.measure.vocab import row_kl, row_overlap, sqrt_prob_gram


def _slices(logits: torch.Tensor, size: int):
    return [logits[:, i : i + size] for i in range(0, logits.shape[1], size)]


def test_sqrt_prob_gram_equals_the_direct_gram_at_any_temperature():
    logits = torch.randn(5, 1000, generator=torch.Generator().manual_seed(0)) * 8
    for temperature in (0.3, 1.0, 1.5):
        root = torch.sqrt(torch.softmax(logits.double() / temperature, dim=1))
        assert np.allclose(sqrt_prob_gram(_slices(logits, 97), temperature), (root @ root.T).numpy(), atol=1e-12)


def test_row_kl_equals_the_direct_kl_and_is_zero_on_itself():
    gen = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, 700, generator=gen) * 5, torch.randn(4, 700, generator=gen) * 5
    lp, lq = torch.log_softmax(a.double(), 1), torch.log_softmax(b.double(), 1)
    direct = (lp.exp() * (lp - lq)).sum(1).numpy()
    assert np.allclose(row_kl(_slices(a, 64), _slices(b, 64)), direct, atol=1e-10)
    assert np.allclose(row_kl(_slices(a, 64), _slices(a, 64)), 0, atol=1e-12)


def test_row_overlap_equals_the_direct_sum():
    gen = torch.Generator().manual_seed(2)
    a, b = torch.randn(3, 500, generator=gen) * 6, torch.randn(3, 500, generator=gen) * 6
    direct = (torch.softmax(a.double(), 1) * torch.softmax(b.double(), 1)).sum(1).numpy()
    assert np.allclose(row_overlap(_slices(a, 50), _slices(b, 50)), direct, atol=1e-12)
