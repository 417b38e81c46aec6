"""semphys.core.rundir: a run directory is claimed by one command and one config; resumes replace all outputs."""

import json
from dataclasses import dataclass

import pytest

from semphys.core.errors import UserError
from semphys.core.rundir import MANIFEST, check_run_dir, claim_run_dir, fingerprint


@dataclass(frozen=True)
class Config:
    steps: int = 10
    tau: float = 0.5


def test_first_claim_writes_the_manifest_and_a_same_config_claim_resumes(tmp_path) -> None:
    out = tmp_path / "run"
    first = claim_run_dir(out, "samadhi train", Config(), document_schema="semphys.samadhi.train/1")
    assert not first.resumed
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "samadhi train" and manifest["config"] == {"steps": 10, "tau": 0.5}
    assert manifest["fingerprint"] == fingerprint(Config()) == first.fingerprint
    assert manifest["document_schema"] == "semphys.samadhi.train/1"
    assert claim_run_dir(out, "samadhi train", Config()).resumed


def test_another_command_is_refused_naming_both(tmp_path) -> None:
    claim_run_dir(tmp_path / "run", "cvfp train", Config())
    with pytest.raises(UserError, match=r"holds a `semphys cvfp train` run; `semphys samadhi train` will not write"):
        claim_run_dir(tmp_path / "run", "samadhi train", Config())


def test_another_config_is_refused_naming_the_fields(tmp_path) -> None:
    claim_run_dir(tmp_path / "run", "cvfp train", Config())
    with pytest.raises(UserError, match=r"with other settings \(steps differ\)"):
        claim_run_dir(tmp_path / "run", "cvfp train", Config(steps=0))


def test_a_foreign_non_empty_directory_is_refused_and_an_empty_one_claimed(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a semphys run directory"):
        claim_run_dir(tmp_path, "phase run", Config())
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not claim_run_dir(empty, "phase run", Config()).resumed


def test_a_file_as_out_is_refused_before_anything_is_written(tmp_path) -> None:
    file = tmp_path / "out"
    file.write_text("x")
    with pytest.raises(UserError, match="is a file"):
        claim_run_dir(file, "phase run", Config())
    assert file.read_text() == "x"


def test_a_resume_removes_the_old_outputs_and_keeps_state(tmp_path) -> None:
    out = tmp_path / "run"
    claim_run_dir(out, "phase run", Config())
    for name in ("results.json", "report.html", "a.png", "cache.safetensors"):
        (out / name).write_text("old")
    (out / "figures").mkdir()
    (out / "figures" / "b.png").write_text("old")
    claim_run_dir(out, "phase run", Config(), outputs=("results.json", "report.html", "*.png", "figures"))
    assert sorted(p.name for p in out.iterdir()) == ["cache.safetensors", MANIFEST]


def test_a_damaged_manifest_is_a_one_line_error(tmp_path) -> None:
    out = tmp_path / "run"
    claim_run_dir(out, "phase run", Config())
    (out / MANIFEST).write_text("{not json")
    with pytest.raises(UserError, match="is damaged or not a semphys run manifest"):
        claim_run_dir(out, "phase run", Config())


def test_check_refuses_like_claim_and_writes_nothing(tmp_path) -> None:
    out = tmp_path / "run"
    assert check_run_dir(out, "langevin simulate", Config()) is False and not out.exists()
    claim_run_dir(out, "langevin simulate", Config())
    assert check_run_dir(out, "langevin simulate", Config()) is True
    with pytest.raises(UserError, match="holds a `semphys langevin simulate` run"):
        check_run_dir(out, "cvfp train", Config())


def test_a_directory_locked_by_another_process_is_refused_and_left_as_it_was(tmp_path) -> None:
    import subprocess
    import sys

    out = tmp_path / "run"
    claim_run_dir(out, "phase run", Config())
    from semphys.core.rundir import release_run_dirs

    release_run_dirs()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom semphys.core.rundir import claim_run_dir\n"
            f"claim_run_dir({str(out)!r}, 'phase run', {{'steps': 10, 'tau': 0.5}})\nprint('held', flush=True)\n"
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        for command, config in (("phase run", Config()), ("cvfp train", Config(steps=1))):
            with pytest.raises(UserError, match="in use by another semphys run"):
                claim_run_dir(out, command, config)
            with pytest.raises(UserError, match="in use by another semphys run"):
                check_run_dir(out, command, config)
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    finally:
        holder.communicate("")
    assert claim_run_dir(out, "phase run", Config()).resumed  # released when the holder exits
    release_run_dirs()
