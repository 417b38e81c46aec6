"""Streaming (§5): windows cover the text, closed windows output Null, both logs validate."""

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from semphys.core.errors import UserError
from semphys.experiments.samadhi.stream import write_jsonl
from semphys.lm import load_lm
from semphys.samadhi.logs import validate_log
from semphys.samadhi.model import SamadhiModel
from semphys.samadhi.stream import run_stream, text_windows

TEXT = (
    "The heron waded through the marsh. She baked a loaf of bread. "
    "A carpenter planed the oak board and fixed the drawer."
)


@pytest.fixture(scope="module")
def lm(long_gpt2_dir):
    return load_lm(str(long_gpt2_dir))


def test_windows_tile_the_token_stream(lm) -> None:
    windows = text_windows(lm, TEXT, 1, 8)
    n_tokens = len(lm.tokenizer(TEXT)["input_ids"])
    assert [w.token_start for w in windows] == list(range(0, n_tokens, 8))
    assert windows[-1].token_end == n_tokens and all(0 < len(w.states) <= 8 for w in windows)
    assert "".join(w.text for w in windows).replace(" ", "") == TEXT.replace(" ", "")
    chunked = text_windows(lm, TEXT, 1, 8, chunk_tokens=16)  # several language-model calls, same tiling
    assert [w.token_end for w in chunked] == [w.token_end for w in windows]


def test_empty_text_is_refused(lm) -> None:
    with pytest.raises(UserError, match="empty text"):
        text_windows(lm, "   ", 1, 8)
    with pytest.raises(UserError, match="window size must be at least 1"):
        text_windows(lm, TEXT, 1, 0)


def test_stream_logs_validate_and_closed_windows_are_null(tiny_run, lm, tmp_path: Path) -> None:
    model, _ = SamadhiModel.load(tiny_run.checkpoints["probe_specific"])
    windows = text_windows(lm, TEXT, model.config.lm_layer, 6)
    with torch.no_grad():
        x = torch.zeros(len(windows), 6, 32)
        mask = torch.zeros(len(windows), 6, dtype=torch.bool)
        for i, w in enumerate(windows):
            x[i, : len(w.states)], mask[i, : len(w.states)] = w.states, True
        maxima = model.vitakka(model.standardise(x) * mask[..., None], mask).scores.max(dim=1).values
    model.config = replace(model.config, theta=float(maxima.median()))
    model.vitakka.config = model.config
    result = run_stream(model, windows)
    gates = [d.gate for d in result.decisions]
    assert any(gates) and not all(gates)
    assert [o is None for o in result.outputs()] == [not g for g in gates]
    probe = write_jsonl(tmp_path / "p.jsonl", result.probe_log)
    cetana = write_jsonl(tmp_path / "c.jsonl", result.cetana_log)
    assert validate_log(probe, "probe") == validate_log(cetana, "cetana") == len(windows)
    for record, gate in zip(result.cetana_log, gates):
        assert (record["transition"]["type"] == "Distracted") == (not gate)


def test_non_convergence_is_logged_as_such(tiny_run, lm) -> None:
    model, _ = SamadhiModel.load(tiny_run.checkpoints["probe_specific"])
    model.config = replace(model.config, t_max=1, theta=0.0)
    model.vicara.config = model.config
    model.vitakka.config = model.config
    result = run_stream(model, text_windows(lm, TEXT, model.config.lm_layer, 8))
    statuses = {r["refinement"]["status"] for r in result.probe_log}
    assert statuses == {"NOT_CONVERGED"}
    assert all(r["refinement"]["steps"] == 1 and not r["refinement"]["converged"] for r in result.probe_log)


def test_width_mismatch_is_refused(tiny_run, minilm) -> None:
    model, _ = SamadhiModel.load(tiny_run.checkpoints["standard"])
    with pytest.raises(UserError, match="input width 384 does not match the model's d_model 32"):
        run_stream(model, text_windows(minilm, TEXT, 1, 8))
