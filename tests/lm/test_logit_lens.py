"""lm.readout: the final residuals and the sliced LM head give exactly the model's own logits."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.lm import capture_residuals, final_residuals, logit_chunks


def test_sliced_head_on_final_residuals_equals_the_model_logits(tiny_gpt2):
    ids = tiny_gpt2.tokenizer("The bat hung upside down", return_tensors="pt").input_ids
    hidden = final_residuals(tiny_gpt2, ids)[0]
    sliced = torch.cat(list(logit_chunks(tiny_gpt2, hidden, chunk=37)), dim=1)
    with torch.inference_mode():
        direct = tiny_gpt2.model(input_ids=ids).logits[0]
    assert sliced.shape == direct.shape
    assert torch.allclose(sliced, direct, atol=1e-5)


def test_final_residuals_are_the_raw_last_layer_of_capture(tiny_gpt2):
    prompt = "The bat hung upside down"
    ids = tiny_gpt2.tokenizer(prompt, return_tensors="pt").input_ids
    captured = capture_residuals(tiny_gpt2, [prompt], ["down"], layers=[tiny_gpt2.facts.n_layers]).resid[0, 0]
    assert torch.allclose(final_residuals(tiny_gpt2, ids)[0, -1], captured, atol=1e-6)


def test_an_encoder_has_no_head(minilm):
    with pytest.raises(UserError, match="has no LM head"):
        next(logit_chunks(minilm, torch.zeros(1, minilm.facts.d_model)))


def test_interleaved_slices_leave_grad_mode_as_it_was(tiny_gpt2):
    # two generators consumed in lock step (as row_kl does) must not leave inference mode switched on
    hidden = torch.zeros(2, tiny_gpt2.facts.d_model)
    for _ in zip(logit_chunks(tiny_gpt2, hidden, chunk=50), logit_chunks(tiny_gpt2, hidden, chunk=50)):
        assert not torch.is_inference_mode_enabled()
    assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
