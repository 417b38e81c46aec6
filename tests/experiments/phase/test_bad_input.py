"""`semphys phase run` refuses bad input up front: one error line, exit 2, no model loaded, nothing written."""

import os
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("--words", ""), "--words is empty"),
        (("--words", "bank,,bat"), "empty item"),
        (("--words", "bank,bank"), "repeats bank"),
        (("--bootstrap", "-1"), "--bootstrap"),
        (("--mode", "sideways"), "--mode: unknown value 'sideways'; allowed: final, per-layer"),
        (("--correction", "whitened"), "allowed: raw, centred, standardised"),
        (("--selection", "bic"), "allowed: aicc, aic"),
        (("--words", "bank", "--wordnet", "3"), "give one of --words, --prompts, --wordnet"),
    ],
)
def test_bad_options_are_refused_before_any_model_loads(refused, tmp_path: Path, args, match) -> None:
    out = tmp_path / "out"
    refused("phase", "run", "--out", str(out), *args, match=match, untouched=out)
    assert not out.exists()


def test_an_unknown_second_model_is_reported_before_the_first_runs(refused, tmp_path: Path) -> None:
    out = tmp_path / "out"
    missing = str(tmp_path / "no-such-model")
    refused(
        "phase", "run", "--out", str(out), "--model", "minilm", "--model", missing, match="no-such-model", untouched=out
    )


def test_a_cache_dir_that_is_a_file_is_refused(refused, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.write_text("not a directory")
    refused(
        "phase", "run", "--out", str(tmp_path / "out"), "--cache-dir", str(cache), match="--cache-dir", untouched=cache
    )


def test_an_out_that_is_a_file_or_unwritable_is_refused(refused, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "results"
    out.write_text("a file")
    refused("phase", "run", "--out", str(out), match="is a file, not a directory", untouched=out)
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    refused("phase", "run", "--out", str(locked / "out"), match="not writable", untouched=locked)
