"""`cvfp train` and `cvfp eval`: a tiny run end to end, resume, config checks, one-line errors."""

import dataclasses
import json
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.cvfp.config import RunConfig, config_from_json, quick_config
from semphys.cvfp.model import CVFPConfig
from semphys.evidence import check_document
from semphys.experiments import base
from semphys.experiments.cvfp import eval as cvfp_eval
from semphys.experiments.cvfp import train as cvfp_train
from semphys.textlm.data import DataConfig
from semphys.textlm.train import TrainConfig


def train_run(config: RunConfig, out: Path, with_baselines: bool = True) -> dict:
    """`semphys cvfp train` without its printing: train.json's summary."""
    experiment = cvfp_train.TrainConfig(Path(out), config, baselines=with_baselines, progress=False)
    return base.execute(cvfp_train.COMMAND, experiment, cvfp_train.run).summary


def evaluate_run(out: Path, measurement: cvfp_eval.Measurement) -> dict:
    """`semphys cvfp eval` without its printing: the eval.json document."""
    result = cvfp_eval.run(cvfp_eval.EvalConfig(Path(out), measurement))
    result.save(out)
    return result.document


def _tiny(method: str = "predictive") -> RunConfig:
    steps = TrainConfig(steps=4, batch_size=4, seq_len=16, lr=1e-2, checkpoint_every=2)
    return RunConfig(
        method=method,
        model=CVFPConfig(context_dim=16, embed_dim=16, hidden_dim=32),
        data=DataConfig(max_train_tokens=3000, max_valid_tokens=1000),
        phase1=steps,
        phase2=dataclasses.replace(steps, steps=2, seed=1),
        baselines=dataclasses.replace(steps, steps=3),
        spec_stream_tokens=200,
        spec_phase1=dataclasses.replace(RunConfig().spec_phase1, max_iterations=3),
    )


def test_tiny_run_trains_resumes_and_evaluates(tmp_path):
    summary = train_run(_tiny(), tmp_path)
    assert summary["phase1"]["history"][-1]["step"] == 4 and summary["phase1"]["resumed_from"] is None
    assert [b["name"] for b in summary["baselines"]] == ["gru", "transformer"]
    again = train_run(_tiny(), tmp_path)  # everything is there: nothing retrains
    assert again["phase1"]["resumed_from"] == 4
    result = evaluate_run(tmp_path, cvfp_eval.Measurement(passes=3, diagnostic_tokens=300, speed_tokens=200))
    assert set(result["baselines"]) == {"unigram", "bigram", "gru", "transformer"}
    # (perplexity against the unigram is tested where it can fail: test_predictive's cyclic stream)
    assert len(result["diagnostics"]["converged_ratios"]) == 2
    assert result["parallel"]["blocks_max_diff"] < 1e-4
    for name in (
        "eval.json",
        "train.json",
        "config.json",
        "model.safetensors",
        "perplexity.png",
        "converged_ratio.png",
        "loss_curves.png",
    ):
        assert (tmp_path / name).exists(), name
    check_document(json.loads((tmp_path / "train.json").read_text()), cvfp_train.SCHEMA_FILE)
    check_document(json.loads((tmp_path / "eval.json").read_text()), cvfp_eval.SCHEMA_FILE)


def test_spec_method_runs_its_loop_and_saves_the_iterations(tmp_path):
    summary = train_run(_tiny("spec"), tmp_path, with_baselines=False)
    assert [r["iteration"] for r in summary["phase1"]["iterations"]][-1] <= 3
    assert summary["phase1"]["tokens"] == 200
    check_document(json.loads((tmp_path / "train.json").read_text()), cvfp_train.SCHEMA_FILE)


def test_another_config_in_the_same_directory_is_refused(tmp_path):
    train_run(_tiny(), tmp_path, with_baselines=False)
    other = dataclasses.replace(_tiny(), fixed_point_weight=0.5)
    with pytest.raises(UserError, match="with other settings \\(fixed_point_weight differ"):
        train_run(other, tmp_path)


def test_config_json_round_trip_and_quick_preset():
    config = quick_config(method="spec")
    assert config_from_json(json.loads(json.dumps(config.to_json()))) == config
    assert config.phase1.steps * 4 == RunConfig().phase1.steps
    with pytest.raises(UserError, match="unknown method"):
        RunConfig(method="magic")


KILL_ON_SECOND_CHECKPOINT = """
import os, signal, sys
import semphys.core.io
from tests.experiments.cvfp.test_train import _tiny, train_run

replace, seen = os.replace, []

def replace_then_die(src, dst):
    if str(dst).endswith(".safetensors"):
        seen.append(dst)
        if len(seen) == 2:  # Phase 1's step-4 checkpoint is written in full, not yet in place: SIGKILL
            os.kill(os.getpid(), signal.SIGKILL)
    return replace(src, dst)

semphys.core.io.os.replace = replace_then_die
train_run(_tiny(), sys.argv[1], with_baselines=False)
"""


def test_a_run_killed_during_a_checkpoint_write_resumes_without_leftovers_and_matches(tmp_path):
    import subprocess
    import sys

    from safetensors.numpy import load_file

    killed = tmp_path / "killed"
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", KILL_ON_SECOND_CHECKPOINT, str(killed)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, result.stderr
    assert list(killed.rglob("*.tmp")), "the kill left no temporary: the test did not kill during a write"
    resumed = train_run(_tiny(), killed, with_baselines=False)
    assert not list(killed.rglob("*.tmp"))
    straight = tmp_path / "straight"
    uninterrupted = train_run(_tiny(), straight, with_baselines=False)
    assert resumed["phase1"]["resumed_from"] == 2  # from the step-2 checkpoint; steps 3-4 ran again
    assert resumed["phase2"]["history"] == uninterrupted["phase2"]["history"]
    # (Phase 1's last history row is a mean over the steps since the last row, and a resume starts that
    # mean afresh: the weights, not that row, are what must match.)
    for name in ("phase1.safetensors", "phase2.safetensors", "model.safetensors"):
        a, b = load_file(killed / name), load_file(straight / name)
        assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a), name
