"""semphys.textlm.train: seeded, resumable, guarded training."""

import math

import pytest
import torch

from semphys.core.checkpoint import load_checkpoint
from semphys.core.errors import UserError
from semphys.textlm.batches import random_batch
from semphys.textlm.gru import GRULM, GRUConfig
from semphys.textlm.objective import lm_loss
from semphys.textlm.train import TrainConfig, TrainingDiverged, build_seeded, cosine_lr, fit

CONFIG = GRUConfig(vocab_size=40, d_embed=8, d_hidden=16)


def _model() -> GRULM:
    return build_seeded(lambda: GRULM(CONFIG), 0)


def _batches(data):
    return lambda step: random_batch(data.train, 4, 8, 0, step)


def test_same_seed_same_model_and_caller_rng_untouched():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = _model(), _model()
    assert torch.equal(torch.rand(1), before)
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert torch.equal(p, q), name


def test_interrupted_then_resumed_equals_uninterrupted(tiny_data, tmp_path):
    full = _model()
    result = fit(full, CONFIG, lm_loss, _batches(tiny_data), TrainConfig(steps=6, log_every=2), progress=False)
    assert [h["step"] for h in result.history] == [2, 4, 6]

    path = tmp_path / "ckpt.safetensors"
    part = _model()
    fit(
        part,
        CONFIG,
        lm_loss,
        _batches(tiny_data),
        TrainConfig(steps=3, checkpoint_every=3, log_every=2),
        path,
        progress=False,
    )
    resumed = _model()
    again = fit(
        resumed,
        CONFIG,
        lm_loss,
        _batches(tiny_data),
        TrainConfig(steps=6, checkpoint_every=3, log_every=2),
        path,
        progress=False,
    )
    assert again.resumed_from == 3 and again.steps == 6
    for (name, p), q in zip(full.named_parameters(), resumed.parameters()):
        assert torch.equal(p, q), name
    assert load_checkpoint(path, GRUConfig).extra["step"] == 6


def test_resume_with_another_training_config_is_refused(tiny_data, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    fit(_model(), CONFIG, lm_loss, _batches(tiny_data), TrainConfig(steps=2), path, progress=False)
    with pytest.raises(UserError, match=r"another training config \(lr: saved 0.003, now 0.01\)"):
        fit(_model(), CONFIG, lm_loss, _batches(tiny_data), TrainConfig(steps=4, lr=0.01), path, progress=False)
    with pytest.raises(UserError, match="another config"):
        other = GRUConfig(vocab_size=40, d_embed=8, d_hidden=32)
        fit(GRULM(other), other, lm_loss, _batches(tiny_data), TrainConfig(steps=4), path, progress=False)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tiny_data, tmp_path, bad):
    def loss_fn(model, batch):
        loss, metrics = lm_loss(model, batch)
        return (loss * bad if loss_fn.calls == 4 else loss), metrics

    def counting(model, batch):
        loss_fn.calls += 1
        return loss_fn(model, batch)

    loss_fn.calls = -1
    path = tmp_path / "ckpt.safetensors"
    with pytest.raises(
        TrainingDiverged, match=r"at step 5; training stopped, the last good checkpoint \(step 4\)"
    ) as err:
        fit(
            _model(),
            CONFIG,
            counting,
            _batches(tiny_data),
            TrainConfig(steps=10, checkpoint_every=2),
            path,
            progress=False,
        )
    assert err.value.step == 5 and err.value.checkpoint_step == 4
    ckpt = load_checkpoint(path, GRUConfig)
    assert ckpt.extra["step"] == 4
    assert all(torch.isfinite(t).all() for t in ckpt.tensors.values())


def test_exploding_loss_is_caught(tiny_data):
    def loss_fn(model, batch):
        loss, metrics = lm_loss(model, batch)
        loss_fn.calls += 1
        return (loss * 100 if loss_fn.calls == 15 else loss), metrics

    loss_fn.calls = 0
    with pytest.raises(TrainingDiverged, match="loss exploded .* at step 15; .*no checkpoint had been written"):
        fit(_model(), CONFIG, loss_fn, _batches(tiny_data), TrainConfig(steps=20), None, progress=False)


def test_cosine_schedule_warms_up_and_ends_at_the_floor():
    config = TrainConfig(steps=100, lr=1.0, warmup_steps=10, min_lr_ratio=0.1)
    assert cosine_lr(config, 0) == pytest.approx(0.1)
    assert cosine_lr(config, 9) == pytest.approx(1.0)
    assert cosine_lr(config, 55) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert cosine_lr(config, 100) == pytest.approx(0.1)


def test_bad_training_configs_are_refused():
    with pytest.raises(UserError, match="steps must be at least 1"):
        TrainConfig(steps=0)
    for bad in (0, -1e-3, float("nan"), float("inf")):
        with pytest.raises(UserError, match="lr must be"):
            TrainConfig(lr=bad)
    with pytest.raises(UserError, match="min_lr_ratio must be between 0.0 and 1.0, got 1.5"):
        TrainConfig(min_lr_ratio=1.5)
    with pytest.raises(UserError, match="grad_clip must be a finite number, got nan"):
        TrainConfig(grad_clip=float("nan"))
    with pytest.raises(UserError, match="warmup_steps must be 0 or more, got -1"):
        TrainConfig(warmup_steps=-1)
    assert TrainConfig(grad_clip=0.0, warmup_steps=0).grad_clip == 0.0  # 0 means no clipping, no warm-up
