"""`semphys data`, `demo`, `sweep report` and `lm capture` refuse bad input up front: one `error:` line,
exit 2, nothing written, no model loaded (the `refused` fixture checks all of that)."""

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["senses", "qzxwv"], "WordNet has no noun senses of 'qzxwv'"),
        (["senses", "bank", "--pos", "x"], "--pos: unknown value 'x'; allowed: n, v, a, r"),
        (["senses", "swim", "--pos", "r"], "WordNet has no adverb senses of 'swim'"),
        (["senses"], "Missing argument 'lemma'"),
        (["info", "--vocab-size", "100"], "--vocab-size must be at least 260, got 100"),
        (["info", "--vocab-size", "many"], "Invalid value for '--vocab-size'"),
    ],
)
def test_data_refuses(refused, args: list[str], match: str) -> None:
    # an unknown lemma is known only once WordNet is read (about 15 s the first time on a loaded machine)
    refused("data", *args, match=match, max_seconds=90)


def test_demo_refuses_an_unknown_section_a_file_and_another_run(refused, tmp_path: Path) -> None:
    from semphys.core.rundir import claim_run_dir

    refused("demo", "--out", str(tmp_path / "d"), "--only", "nope", match="unknown demo section 'nope'")
    target = tmp_path / "file"
    target.write_text("x")
    refused("demo", "--out", str(target), "--only", "lm", match="is a file", untouched=target)
    claim_run_dir(tmp_path / "other", "phase run", {"x": 1})
    refused(
        "demo",
        "--out",
        str(tmp_path / "other"),
        "--only",
        "lm",
        match="holds a `semphys phase run` run",
        untouched=tmp_path / "other",
    )
    refused("demo", "--seed", "x", match="Invalid value for '--seed'")
    refused("demo", "--bogus", match="No such option: --bogus")
    assert not (tmp_path / "d").exists()


def test_sweep_report_refuses_what_is_not_a_sweep(refused, tmp_path: Path) -> None:
    refused("sweep", "report", str(tmp_path), match=f"{tmp_path} is not a sweep directory")
    (tmp_path / "sweep.json").write_text("{broken")
    refused("sweep", "report", str(tmp_path), match="sweep.json is unreadable")
    refused("sweep", "plan", str(tmp_path / "none.yaml"), match="does not exist")


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["-p", "The bank", "-t", "bank", "-t", "river"], "1 prompts but 2 target words"),
        (["-p", "The bank", "-t", "river"], "target word 'river' not in prompt 'The bank'"),
        (["-p", "The bank", "-t", " "], "empty target word"),
        (["-p", "The bank", "-t", "bank", "--layers", "1,,2"], "--layers '1,,2' has an empty item"),
        (["-p", "The bank", "-t", "bank", "--pooling", "max"], "--pooling: unknown value 'max'; allowed: last, first"),
        (["-p", "The bank", "-t", "bank", "--device", "tpu"], "unknown device 'tpu'"),
    ],
)
def test_lm_capture_refuses_before_loading_a_model(refused, tmp_path: Path, extra: list[str], match: str) -> None:
    refused("lm", "capture", "--out", str(tmp_path / "c.safetensors"), *extra, match=match)
    assert not (tmp_path / "c.safetensors").exists()


def test_lm_capture_refuses_a_directory_as_out(refused, tmp_path: Path) -> None:
    refused(
        "lm",
        "capture",
        "-p",
        "The bank",
        "-t",
        "bank",
        "--out",
        str(tmp_path),
        match="is a directory",
        untouched=tmp_path,
    )
