"""Every bad input to `semphys cvfp train|eval` is refused before any work.

Each case asserts, through the `refused` fixture: exit 2, one stderr line `error: ...` naming the
problem, no traceback, nothing on stdout, the output untouched, and a wall time that shows the check
ran before any text was read or any step ran.
"""

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from semphys.core.rundir import claim_run_dir
from semphys.cvfp.config import RunConfig
from semphys.cvfp.model import CVFPConfig
from semphys.textlm.data import DataConfig
from semphys.textlm.train import TrainConfig
from tests.experiments.cvfp.test_train import train_run

TRAIN_CASES = [
    (["--steps", "0"], "steps must be at least 1"),
    (["--context-dim", "0"], "context_dim must be at least 1"),
    (["--embed-dim", "0"], "embed_dim must be at least 1"),
    (["--fixed-point-weight", "nan"], "--fixed-point-weight must be a finite number"),
    (["--fixed-point-weight", "-1"], "--fixed-point-weight must be 0 or more"),
    (["--layernorm-mix", "nan"], "layernorm_mix must lie in [0, 1]"),
    (["--layernorm-mix", "2"], "layernorm_mix must lie in [0, 1]"),
    (["--layers", "1,x"], "--layers: 'x' is not a valid int"),
    (["--layers", ","], "--layers is empty"),
    (["--layers", "0,1"], "layer_structure [0, 1] must list at least one block"),
    (["--method", "magic"], "unknown method 'magic'"),
    (["--phase1-gradient", "magic"], "unknown gradient 'magic'"),
    (["--spec-tokens", "1"], "--spec-tokens must be at least 2"),
    (["--method", "spec", "--spec-tokens", "200000"], "reads at most 131072 tokens (max_seq_len)"),
    (["--threads", "0"], "--threads must be at least 1"),
    (["--seed", "-1"], "--seed must be 0 or more"),
]


@pytest.mark.parametrize(("args", "match"), TRAIN_CASES)
def test_train_refuses_a_bad_setting(refused, tmp_path, args, match) -> None:
    out = tmp_path / "run"
    refused("cvfp", "train", "--quick", "--out", str(out), *args, match=match)
    assert not out.exists()


def test_train_refuses_a_samadhi_run_directory(refused, tmp_path) -> None:
    samadhi = tmp_path / "samadhi-run"
    claim_run_dir(samadhi, "samadhi train", {"train": {}, "model": {}})
    (samadhi / "train.json").write_text('{"schema": "semphys.samadhi.train/1"}')
    refused(
        "cvfp",
        "train",
        "--quick",
        "--out",
        str(samadhi),
        match="holds a `semphys samadhi train` run",
        untouched=samadhi,
    )


def test_train_refuses_a_file_as_out(refused, tmp_path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("mine")
    refused("cvfp", "train", "--quick", "--out", str(target), match="is a file", untouched=target)


def test_train_refuses_an_unwritable_out(refused, tmp_path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    refused("cvfp", "train", "--quick", "--out", str(locked / "run"), match="is not writable", untouched=locked)


def test_train_refuses_a_non_empty_foreign_directory(refused, tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    refused(
        "cvfp", "train", "--quick", "--out", str(tmp_path), match="is not a semphys run directory", untouched=tmp_path
    )


def _tiny() -> RunConfig:
    steps = TrainConfig(steps=2, batch_size=4, seq_len=16, lr=1e-2, checkpoint_every=2)
    return RunConfig(
        model=CVFPConfig(context_dim=16, embed_dim=16, hidden_dim=32),
        data=DataConfig(max_train_tokens=3000, max_valid_tokens=1000),
        phase1=steps,
        phase2=dataclasses.replace(steps, steps=2, seed=1),
        baselines=dataclasses.replace(steps, steps=2),
    )


@pytest.fixture(scope="module")
def tiny_cvfp_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cvfp-run")
    train_run(_tiny(), out, with_baselines=False)
    return out


def test_train_refuses_its_own_run_with_other_settings(refused, tiny_cvfp_run) -> None:
    refused(
        "cvfp", "train", "--quick", "--out", str(tiny_cvfp_run), match="with other settings", untouched=tiny_cvfp_run
    )


EVAL_CASES = [
    (["--speed-tokens", "0"], "--speed-tokens must be at least 2"),
    (["--diagnostic-tokens", "-5"], "--diagnostic-tokens must be at least 2"),
    (["--passes", "1"], "--passes must be at least 2"),
]


@pytest.mark.parametrize(("args", "match"), EVAL_CASES)
def test_eval_refuses_a_bad_setting(refused, tiny_cvfp_run, args, match) -> None:
    refused("cvfp", "eval", str(tiny_cvfp_run), *args, match=match, untouched=tiny_cvfp_run)


def test_eval_refuses_a_samadhi_run(refused, tmp_path) -> None:
    claim_run_dir(tmp_path, "samadhi train", {"train": {}, "model": {}})
    refused(
        "cvfp", "eval", str(tmp_path), match="holds a `semphys samadhi train` run, not a cvfp run", untouched=tmp_path
    )


def test_eval_refuses_a_directory_without_a_run(refused, tmp_path) -> None:
    refused("cvfp", "eval", str(tmp_path), match="not a cvfp run directory", untouched=tmp_path)


@pytest.fixture
def run_copy(tiny_cvfp_run, tmp_path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(tiny_cvfp_run, copy)
    return copy


def test_eval_refuses_a_flipped_checkpoint(refused, run_copy) -> None:
    path = run_copy / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    refused("cvfp", "eval", str(run_copy), match="fails its checksum", untouched=run_copy)


def test_eval_refuses_a_truncated_checkpoint(refused, run_copy) -> None:
    path = run_copy / "model.safetensors"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    refused("cvfp", "eval", str(run_copy), match="truncated or damaged", untouched=run_copy)


def test_resume_refuses_a_flipped_training_checkpoint(run_copy) -> None:
    from semphys.core.safefile import DamagedFile

    path = run_copy / "phase1.safetensors"
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedFile, match="fails its checksum"):
        train_run(_tiny(), run_copy, with_baselines=False)


@pytest.mark.parametrize(
    ("args", "match"),
    [(["--seeds", "0"], "--seeds must be at least 1"), (["--scale", "huge"], "--scale: unknown value 'huge'")],
)
def test_compare_refuses_a_bad_setting(refused, tmp_path, args, match) -> None:
    out = tmp_path / "compare"
    refused("cvfp", "compare", "--out", str(out), *args, match=match)
    assert not out.exists()
