"""semphys.textlm.evaluate and objective: perplexity and the loss against closed forms."""

import math

import pytest
import torch
import torch.nn.functional as F

from semphys.textlm.evaluate import perplexity
from semphys.textlm.objective import LMOutput, lm_loss, token_nll


class _Fixed(torch.nn.Module):
    """Logits that do not depend on the input; an auxiliary loss of 0.25."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = torch.nn.Parameter(logits)

    def forward(self, inputs, origins=None):
        return LMOutput(self.logits.expand(*inputs.shape, -1), torch.tensor(0.25))


def test_uniform_model_has_perplexity_equal_to_the_vocabulary(tiny_data):
    from semphys.textlm.batches import eval_windows

    result = perplexity(_Fixed(torch.zeros(40)), eval_windows(tiny_data.valid, 16), batch_size=5)
    assert result.ppl == pytest.approx(40.0)
    assert result.n_tokens == ((len(tiny_data.valid) - 1) // 16) * 16


def test_token_nll_and_lm_loss_match_log_softmax(tiny_data):
    from semphys.textlm.batches import random_batch

    logits = torch.randn(40)
    batch = random_batch(tiny_data.train, 3, 5, 0, 0)
    model = _Fixed(logits)
    expected = -F.log_softmax(logits, dim=-1)[batch.targets]
    assert torch.allclose(token_nll(model(batch.inputs).logits, batch.targets), expected, atol=1e-6)
    loss, metrics = lm_loss(model, batch)
    assert float(loss.detach()) == pytest.approx(float(expected.mean()) + 0.25, rel=1e-6)
    assert metrics["aux"] == 0.25 and math.isclose(metrics["ce"], float(expected.mean()), rel_tol=1e-6)
