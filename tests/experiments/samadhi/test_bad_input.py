"""Every bad input to `semphys samadhi train|eval|stream` is refused before any work.

Each case asserts, through the `refused` fixture: exit 2, one stderr line `error: ...` naming the
problem, no traceback, nothing on stdout, no model loaded, the output untouched, and a wall time
that shows the check ran before the work.
"""

import os
import shutil
from pathlib import Path

import pytest

from semphys.core.rundir import claim_run_dir

TRAIN_CASES = [
    (["--tau", "nan"], "--tau must be a finite number"),
    (["--theta", "nan"], "--theta must be a finite number"),
    (["--eps", "nan"], "--eps must be a finite number"),
    (["--eps", "0"], "--eps must be greater than 0"),
    (["--beta", "inf"], "--beta must be a finite number"),
    (["--beta", "0"], "--beta must be greater than 0"),
    (["--beta", "1.5"], "--beta must lie in (0, 1]"),
    (["--tau", "-0.1"], "--tau must be greater than 0"),
    (["--lipschitz", "nan"], "--lipschitz must be a finite number"),
    (["--concepts", "0"], "--concepts must be at least 1"),
    (["--train-per-concept", "1"], "--train-per-concept must be at least 2"),
    (["--valid-per-concept", "0"], "--valid-per-concept must be at least 1"),
    (["--vitakka-steps", "-1"], "--vitakka-steps must be 0 or more"),
    (["--window", "0"], "--window must be at least 1"),
    (["--t-max", "0"], "--t-max must be at least 1"),
    (["--learned-probes", "-2"], "--learned-probes must be 0 or more"),
    (["--layer", "-1"], "--layer must be 0 or more"),
    (["--threads", "0"], "--threads must be at least 1"),
    (["--variants", "fancy"], "--variants: unknown value 'fancy'"),
    (["--variants", ","], "--variants is empty"),
    (["--variants", "standard,standard"], "--variants repeats standard"),
    (["--model", "/no/such/model"], "/no/such/model"),
]


@pytest.mark.parametrize(("args", "match"), TRAIN_CASES)
def test_train_refuses_a_bad_setting(refused, tmp_path, args, match) -> None:
    out = tmp_path / "run"
    refused("samadhi", "train", "--out", str(out), *args, match=match)
    assert not out.exists()


def test_train_refuses_another_commands_run_directory(refused, tmp_path) -> None:
    cvfp = tmp_path / "cvfp-run"
    claim_run_dir(cvfp, "cvfp train", {"method": "predictive"})
    (cvfp / "train.json").write_text('{"schema": "semphys.cvfp/1"}')
    refused("samadhi", "train", "--out", str(cvfp), match="holds a `semphys cvfp train` run", untouched=cvfp)


def test_train_refuses_its_own_run_with_other_settings(refused, tiny_run) -> None:
    refused("samadhi", "train", "--out", str(tiny_run.out_dir), match="with other settings", untouched=tiny_run.out_dir)


def test_train_refuses_a_file_as_out(refused, tmp_path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("mine")
    refused("samadhi", "train", "--out", str(target), match="is a file", untouched=target)


def test_train_refuses_an_unwritable_out(refused, tmp_path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    refused("samadhi", "train", "--out", str(locked / "run"), match="is not writable", untouched=locked)


def test_train_refuses_a_non_empty_foreign_directory(refused, tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    refused("samadhi", "train", "--out", str(tmp_path), match="is not a semphys run directory", untouched=tmp_path)


@pytest.fixture
def run_copy(tiny_run, tmp_path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(tiny_run.out_dir, copy)
    return copy


def _flip(path: Path, offset_from_end: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[-offset_from_end] ^= 0xFF
    path.write_bytes(bytes(data))


def test_eval_refuses_a_cvfp_run(refused, tmp_path) -> None:
    cvfp = tmp_path / "cvfp-run"
    claim_run_dir(cvfp, "cvfp train", {"method": "predictive"})
    (cvfp / "train.json").write_text('{"schema": "semphys.cvfp/1", "method": "predictive"}')
    refused("samadhi", "eval", str(cvfp), match="holds a `semphys cvfp train` run, not a samadhi run", untouched=cvfp)


def test_eval_refuses_a_foreign_train_json(refused, tmp_path) -> None:
    (tmp_path / "train.json").write_text('{"schema": "semphys.cvfp/1", "method": "predictive"}')
    refused("samadhi", "eval", str(tmp_path), match="is not a samadhi train document", untouched=tmp_path)


def test_eval_refuses_a_directory_without_a_run(refused, tmp_path) -> None:
    refused("samadhi", "eval", str(tmp_path), match="not a samadhi run directory", untouched=tmp_path)


def test_eval_refuses_a_flipped_checkpoint(refused, run_copy) -> None:
    _flip(run_copy / "standard.safetensors")
    refused("samadhi", "eval", str(run_copy), match="fails its checksum", untouched=run_copy)


def test_eval_refuses_a_truncated_checkpoint(refused, run_copy) -> None:
    path = run_copy / "probe_specific.safetensors"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    refused("samadhi", "eval", str(run_copy), match="truncated or damaged", untouched=run_copy)


def test_stream_refuses_a_flipped_checkpoint(refused, run_copy, tmp_path) -> None:
    _flip(run_copy / "probe_specific.safetensors")
    log = tmp_path / "probe.jsonl"
    refused(
        "samadhi",
        "stream",
        str(run_copy),
        "--text",
        "a heron in the marsh",
        "--log",
        str(log),
        match="fails its checksum",
        untouched=run_copy,
    )
    assert not log.exists()


STREAM_CASES = [
    ([], "give exactly one of --text and --text-file"),
    (["--text", "  "], "empty text"),
    (["--text", "a cat", "--variant", "fancy"], "variant 'fancy' was not trained"),
    (["--text", "a cat", "--solver", "newton"], "--solver: unknown value 'newton'"),
    (["--text-file", "{tmp}/none.txt"], "does not exist"),
    (["--text", "a cat", "--cetana-log", "{tmp}/probe.jsonl"], "are the same file"),
]


@pytest.mark.parametrize(("args", "match"), STREAM_CASES)
def test_stream_refuses_bad_options(refused, tiny_run, tmp_path, args, match) -> None:
    filled = [a.format(tmp=tmp_path) for a in args]
    refused(
        "samadhi",
        "stream",
        str(tiny_run.out_dir),
        "--log",
        str(tmp_path / "probe.jsonl"),
        *filled,
        match=match,
        untouched=tmp_path,
    )


def test_stream_refuses_a_directory_as_log(refused, tiny_run, tmp_path) -> None:
    refused(
        "samadhi",
        "stream",
        str(tiny_run.out_dir),
        "--text",
        "a cat",
        "--log",
        str(tmp_path),
        match="is a directory",
        untouched=tmp_path,
    )


def test_stream_refuses_an_unwritable_log_directory(refused, tiny_run, tmp_path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    refused(
        "samadhi",
        "stream",
        str(tiny_run.out_dir),
        "--text",
        "a cat",
        "--log",
        str(locked / "p.jsonl"),
        match="is not writable",
        untouched=locked,
    )


def test_stream_refuses_a_cvfp_run(refused, tmp_path) -> None:
    cvfp = tmp_path / "cvfp-run"
    claim_run_dir(cvfp, "cvfp train", {"method": "predictive"})
    refused(
        "samadhi",
        "stream",
        str(cvfp),
        "--text",
        "a cat",
        "--log",
        str(tmp_path / "p.jsonl"),
        match="not a samadhi run",
        untouched=cvfp,
    )


def test_a_damaged_feature_cache_entry_is_extracted_again(tiny_configs, feature_cache, tmp_path) -> None:
    from semphys.lm import load_lm
    from semphys.samadhi.data import load_concept_data

    config, base = tiny_configs
    lm = load_lm(base.lm_spec)
    first = load_concept_data(lm, base.lm_layer, base.window, config)
    path = Path(first.facts["cache_path"])
    _flip(path, offset_from_end=17)
    messages: list[str] = []
    again = load_concept_data(lm, base.lm_layer, base.window, config, log=messages.append)
    assert not again.facts["from_cache"] and any("damaged" in m for m in messages)
    assert (again.train.features == first.train.features).all()
    assert load_concept_data(lm, base.lm_layer, base.window, config).facts["from_cache"]


def test_train_refuses_a_model_whose_context_is_shorter_than_its_documents(refused, tmp_path, capsys) -> None:
    from conftest import save_tiny_gpt2

    short = save_tiny_gpt2(tmp_path / "short", n_positions=8)
    capsys.readouterr()  # the model's own saving messages
    out = tmp_path / "run"
    refused(
        "samadhi",
        "train",
        "--out",
        str(out),
        "--model",
        str(short),
        "--concepts",
        "2",
        "--train-per-concept",
        "2",
        "--valid-per-concept",
        "1",
        match="reads at most 8 tokens",
        untouched=out,
        max_seconds=30,
    )
    assert not out.exists()
