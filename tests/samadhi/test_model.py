"""The whole model: gate-closed windows get no state, standardisation, checkpoint refusals."""

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from semphys.core.errors import UserError
from semphys.samadhi.config import SamadhiConfig
from semphys.samadhi.model import SamadhiModel


def _model(theta: float = 0.4) -> SamadhiModel:
    torch.manual_seed(0)
    return SamadhiModel(
        SamadhiConfig(d_model=8, concept_labels=("a", "b"), n_learned=1, theta=theta, refiner_hidden=4)
    ).eval()


def test_closed_windows_are_null_and_never_converged() -> None:
    model = _model()
    x = torch.randn(4, 6, 8)
    mask = torch.ones(4, 6, dtype=torch.bool)
    with torch.no_grad():
        scores = model.vitakka(x, mask).scores.max(dim=1).values
    model = _model(theta=float(scores.median()))
    out = model.infer(x, mask)
    closed = ~out.vitakka.gate
    assert closed.any() and out.vitakka.gate.any()
    assert (out.s_final[closed] == 0).all() and (out.stats.iterations[closed] == 0).all()
    assert not out.stats.converged[closed].any()
    assert (out.stats.iterations[~closed] > 0).all()


def test_standardise_uses_the_buffers_and_checks_width() -> None:
    model = _model()
    model.feature_mean.fill_(2.0)
    model.feature_std.fill_(4.0)
    torch.testing.assert_close(model.standardise(torch.full((1, 8), 6.0)), torch.ones(1, 8))
    with pytest.raises(UserError, match="input width 7 does not match the model's d_model 8"):
        model.standardise(torch.zeros(1, 7))
    raw = torch.randn(2, 3, 8) * 4 + 2
    mask = torch.ones(2, 3, dtype=torch.bool)
    torch.testing.assert_close(
        model.infer(raw, mask, standardised=False).s_final, model.infer((raw - 2) / 4, mask).s_final
    )


def test_checkpoint_refusals(tmp_path: Path) -> None:
    model = _model()
    path = model.save(tmp_path / "m.safetensors")
    with pytest.raises(UserError, match="trained with another config .*theta"):
        SamadhiModel.load(path, expected=replace(model.config, theta=0.3))
    truncated = tmp_path / "t.safetensors"
    truncated.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(UserError, match="truncated or damaged"):
        SamadhiModel.load(truncated)
    with pytest.raises(UserError, match="no checkpoint"):
        SamadhiModel.load(tmp_path / "absent.safetensors")
