"""`semphys lm capture` (semphys.experiments.lm.capture) end to end, as a user runs it: the file it writes,
one-line errors with exit code 2 before any model loads, and never a file it must not replace."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from semphys.core.errors import UserError
from semphys.experiments.lm.capture import save_capture
from semphys.lm import LM, capture_residuals

PROMPTS = ["The bank", "I sat by the river bank"]
TARGETS = ["bank", "bank"]


def semphys(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "semphys.cli", *args], capture_output=True, text=True, cwd=cwd)


def _assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0]


def test_save_capture_round_trip(minilm: LM, tmp_path: Path) -> None:
    capture = capture_residuals(minilm, PROMPTS, TARGETS, layers=[0, 6])
    path = tmp_path / "x.safetensors"
    save_capture(capture, path, "minilm")
    with safe_open(str(path), "pt") as handle:
        torch.testing.assert_close(handle.get_tensor("resid"), capture.resid)
        meta = handle.metadata()
    assert json.loads(meta["prompts"]) == PROMPTS
    assert json.loads(meta["layers"]) == [0, 6]
    assert json.loads(meta["token_positions"]) == [[2], [6]]
    assert list(tmp_path.iterdir()) == [path]  # no temporary left beside it


def test_save_to_missing_directory_is_a_user_error(minilm: LM, tmp_path: Path) -> None:
    capture = capture_residuals(minilm, PROMPTS[:1], TARGETS[:1])
    with pytest.raises(UserError, match="does not exist"):
        save_capture(capture, tmp_path / "nope" / "x.safetensors", "minilm")


@pytest.mark.parametrize(("model", "shape"), [("embedded", [1, 19, 640]), ("minilm", [1, 7, 384])])
def test_capture_writes_resid_and_metadata(model: str, shape: list[int], tmp_path: Path) -> None:
    out = tmp_path / "x.safetensors"
    result = semphys(
        "lm", "capture", "--model", model, "--prompt", "I sat by the river bank", "--target", "bank", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    with safe_open(str(out), "pt") as handle:
        assert list(handle.get_tensor("resid").shape) == shape
        meta = handle.metadata()
    assert json.loads(meta["prompts"]) == ["I sat by the river bank"]
    assert json.loads(meta["targets"]) == ["bank"]
    assert meta["model"] == model


def test_target_not_in_prompt(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.safetensors"
    result = semphys("lm", "capture", "--model", str(tiny_gpt2_dir), "-p", "The river", "-t", "bank", "--out", str(out))
    _assert_one_line_error(result, "target word 'bank' not in prompt 'The river'")
    assert not out.exists()


def test_prompt_longer_than_context(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    result = semphys(
        "lm",
        "capture",
        "--model",
        str(tiny_gpt2_dir),
        "-p",
        "the bank " * 40,
        "-t",
        "bank",
        "--out",
        str(tmp_path / "x.safetensors"),
    )
    _assert_one_line_error(result, "takes at most 64")


def test_unwritable_output(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    result = semphys(
        "lm",
        "capture",
        "--model",
        str(tiny_gpt2_dir),
        "-p",
        "The bank",
        "-t",
        "bank",
        "--out",
        str(tmp_path / "missing" / "x.safetensors"),
    )
    _assert_one_line_error(result, "does not exist")


def test_empty_prompt_list_and_bad_layers(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    missing = semphys("lm", "capture", "--model", str(tiny_gpt2_dir), "--out", str(tmp_path / "x.safetensors"))
    assert missing.returncode == 2 and "Missing option '--prompt'" in missing.stderr
    bad = semphys(
        "lm",
        "capture",
        "--model",
        str(tiny_gpt2_dir),
        "-p",
        "The bank",
        "-t",
        "bank",
        "--layers",
        "0,x",
        "--out",
        str(tmp_path / "x.safetensors"),
    )
    _assert_one_line_error(bad, "--layers: 'x' is not a valid int")


def test_capture_into_a_directory_is_refused_before_the_model_loads(cli, tmp_path: Path) -> None:
    code, _, err = cli("lm", "capture", "--model", "no/such-model", "-p", "The bank", "-t", "bank", "-o", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and f"--out {tmp_path} is a directory" in err


def test_capture_refuses_an_existing_file(refused, tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.safetensors"
    out.write_bytes(b"the user's file")
    refused(
        "lm",
        "capture",
        "--model",
        str(tiny_gpt2_dir),
        "-p",
        "The bank",
        "-t",
        "bank",
        "--out",
        str(out),
        match="exists; give a new file name, or --force",
        untouched=out,
    )


def test_capture_replaces_an_existing_file_with_force(cli, tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.safetensors"
    out.write_bytes(b"the user's file")
    code, _, err = cli(
        "lm", "capture", "--model", str(tiny_gpt2_dir), "-p", "The bank", "-t", "bank", "--out", str(out), "--force"
    )
    assert code == 0, err
    with safe_open(str(out), "pt") as handle:
        assert list(handle.get_tensor("resid").shape) == [1, 3, 32]


@pytest.mark.parametrize("force", [(), ("--force",)])
def test_capture_never_writes_into_the_model_directory(refused, tiny_gpt2_dir: Path, tmp_path: Path, force) -> None:
    import shutil

    model = tmp_path / "model"
    shutil.copytree(tiny_gpt2_dir, model)
    weights = model / "model.safetensors"
    for out in (weights, model / "new.safetensors"):
        refused(
            "lm",
            "capture",
            "--model",
            str(model),
            "-p",
            "The bank",
            "-t",
            "bank",
            "--out",
            str(out),
            *force,
            match="inside the model directory",
            untouched=model,
        )
