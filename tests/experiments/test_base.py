"""The experiment driver: validate before any claim, claim before any work, save into the claimed directory."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.core.rundir import MANIFEST, release_run_dirs
from semphys.experiments import Command, execute

COMMAND = Command("toy run", "semphys.toy/1", ("toy.json",))


@dataclass(frozen=True)
class ToyConfig:
    out: Path
    n: int = 3

    def validate(self) -> None:
        if self.n < 1:
            raise UserError(f"--n {self.n} is not allowed: give at least 1")

    def fingerprint(self) -> dict:
        return {"n": self.n}


@dataclass
class ToyResult:
    config: ToyConfig
    total: int
    work: Path | None

    def save(self, out: Path) -> Path:
        out = COMMAND.claim(out, self.config.fingerprint())
        path = out / "toy.json"
        path.write_text(json.dumps({"schema": COMMAND.schema, "total": self.total}))
        return path


def toy_run(config: ToyConfig, log=print, work: Path | None = None) -> ToyResult:
    if work is not None:
        assert (work / MANIFEST).is_file(), "the directory is claimed before any work"
    return ToyResult(config, sum(range(config.n)), work)


@pytest.fixture(autouse=True)
def _release():
    yield
    release_run_dirs()


def test_execute_claims_runs_in_the_claimed_directory_and_saves(tmp_path):
    result = execute(COMMAND, ToyConfig(tmp_path / "out", 4), toy_run)
    assert result.total == 6 and result.work == tmp_path / "out"
    assert json.loads((tmp_path / "out" / "toy.json").read_text())["total"] == 6
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["command"] == "toy run"


def test_bad_config_is_refused_before_the_directory_is_touched(tmp_path):
    with pytest.raises(UserError, match="--n 0 is not allowed"):
        execute(COMMAND, ToyConfig(tmp_path / "out", 0), toy_run)
    assert not (tmp_path / "out").exists()


def test_a_result_computed_in_memory_claims_its_directory_when_saved(tmp_path):
    result = toy_run(ToyConfig(tmp_path / "unused", 3))
    path = result.save(tmp_path / "notebook")
    assert path.is_file() and (tmp_path / "notebook" / MANIFEST).is_file()
    assert not (tmp_path / "unused").exists()


def test_another_command_s_directory_is_refused(tmp_path):
    out = tmp_path / "out"
    Command("other run", None, ()).claim(out, {"x": 1})
    release_run_dirs()
    with pytest.raises(UserError, match="other run"):
        execute(COMMAND, ToyConfig(out, 2), toy_run)
    assert not (out / "toy.json").exists()


def test_a_run_that_fails_before_writing_anything_leaves_no_directory(tmp_path):
    def failing(config, log=print, work=None):
        raise UserError("model x does not match its weights")

    with pytest.raises(UserError, match="does not match"):
        execute(COMMAND, ToyConfig(tmp_path / "out"), failing)
    assert not (tmp_path / "out").exists()


def test_a_run_that_fails_after_writing_keeps_what_it_wrote(tmp_path):
    def failing(config, log=print, work=None):
        (work / "checkpoint.bin").write_bytes(b"1")
        raise UserError("late failure")

    with pytest.raises(UserError, match="late failure"):
        execute(COMMAND, ToyConfig(tmp_path / "out"), failing)
    assert (tmp_path / "out" / "checkpoint.bin").is_file() and (tmp_path / "out" / MANIFEST).is_file()
