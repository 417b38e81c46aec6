"""semphys.cvfp.stage2: only the head trains, on the contexts the frozen recurrence gives."""

import pytest
import torch

from semphys.cvfp.stage2 import freeze_context, phase2_loss
from semphys.textlm.batches import random_batch
from semphys.textlm.objective import lm_loss
from semphys.textlm.train import TrainConfig, fit

from .conftest import contracting_model


def test_phase2_trains_the_head_only_and_its_loss_is_the_lm_loss(text):
    model = contracting_model(text.vocab_size)
    batch = random_batch(text.train, 4, 24, 0, 0)
    assert float(phase2_loss(model, batch)[0].detach()) == pytest.approx(
        float(lm_loss(model, batch)[0].detach()), rel=1e-4
    )
    frozen = {name: p.detach().clone() for name, p in model.named_parameters() if not name.startswith("token_output")}
    head = model.token_output.weight.detach().clone()
    assert freeze_context(model) == list(model.token_output.parameters())
    fit(
        model,
        model.config,
        phase2_loss,
        lambda s: random_batch(text.train, 4, 24, 0, s),
        TrainConfig(steps=3),
        progress=False,
    )
    for name, p in model.named_parameters():
        if name in frozen:
            assert torch.equal(p, frozen[name]), name
    assert not torch.equal(model.token_output.weight, head)
