"""`semphys samadhi train|eval|stream` as a user runs them: files, one JSON document, exit code 2 on bad input."""

import json
import sys
from pathlib import Path

import pytest

from semphys.cli import main
from semphys.evidence import check_claims
from semphys.samadhi.logs import validate_log


def run(args: list[str], capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """Run the CLI in this process (so the private feature cache applies): (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["semphys", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


def test_train_writes_checkpoints_config_and_provenance(long_gpt2_dir, tmp_path, capsys, monkeypatch) -> None:
    out = tmp_path / "run"
    code, stdout, stderr = run(
        [
            "samadhi",
            "train",
            "--out",
            str(out),
            "--model",
            str(long_gpt2_dir),
            "--layer",
            "1",
            "--window",
            "12",
            "--concepts",
            "3",
            "--train-per-concept",
            "10",
            "--valid-per-concept",
            "4",
            "--learned-probes",
            "2",
            "--vitakka-steps",
            "3",
            "--vicara-steps",
            "2",
            "--variants",
            "standard",
            "--json",
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, stderr
    record = json.loads(stdout)
    assert record["checkpoints"] == {"standard": "standard.safetensors"} and record["primary"] == "standard"
    assert (out / "standard.safetensors").is_file() and (out / "train.json").is_file()
    assert record["model_config"]["lm_spec"] == str(long_gpt2_dir) and "versions" in record


def test_eval_json_is_one_document(tiny_run, capsys, monkeypatch) -> None:
    code, stdout, stderr = run(
        ["samadhi", "eval", str(tiny_run.out_dir), "--json", "--no-figures"], capsys, monkeypatch
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["schema"] == "semphys.samadhi.eval/3" and "nearest_centroid" in result["concepts"]["baselines"]
    assert check_claims(result) == len(result["claims"])


def test_stream_writes_both_logs(tiny_run, tmp_path, capsys, monkeypatch) -> None:
    log = tmp_path / "probe.jsonl"
    code, stdout, stderr = run(
        [
            "samadhi",
            "stream",
            str(tiny_run.out_dir),
            "--text",
            "The heron waded through the marsh. zq blorf fjord spatula the of.",
            "--log",
            str(log),
            "--solver",
            "anderson",
            "--json",
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    cetana = Path(summary["cetana_log"])
    assert cetana == tmp_path / "probe.cetana.jsonl"
    assert validate_log(log, "probe") == validate_log(cetana, "cetana") == len(summary["windows"]) > 0
    assert {w["status"] for w in summary["windows"]} <= {"CONVERGED", "NOT_CONVERGED", "NULL"}
