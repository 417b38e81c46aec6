"""`semphys routing compare` refuses bad input before any work: one `error:` line, exit 2,
no traceback, nothing written to --out (the shared `refused` fixture), and no data load or training step.

Each case runs the real command in-process with its work functions (`load_text_data` in
`semphys.experiments.routing.compare`, `fit` in `semphys.routing.compare`) replaced by ones that fail the test: a case that got past the checks
would be caught there, whatever the wall time. The wall time is asserted as well (the checks take
milliseconds; loading the data and one training step take seconds).
"""

import json
import os
from pathlib import Path

import pytest

import semphys.experiments.routing.compare  # noqa: F401  (imported once here, so the timed calls do not pay for torch)
from semphys.core.rundir import claim_run_dir

CHECK_SECONDS = 3.0
"""Longest a refused call may take: far below a data load or one training step on this machine."""


@pytest.fixture
def no_work(monkeypatch):
    """Make any data load or training step fail the test."""
    import semphys.experiments.routing.compare as experiment
    import semphys.routing.compare as compare

    def work(*args, **kwargs):
        raise AssertionError("the command started work before refusing its input")

    monkeypatch.setattr(experiment, "load_text_data", work)
    monkeypatch.setattr(compare, "fit", work)


def _refused(refused, out: Path, *args: str, match: str) -> str:
    """`routing compare --out OUT ARGS` refused up front (the shared `refused` fixture), OUT untouched."""
    return refused(
        "routing", "compare", "--out", str(out), *args, match=match, untouched=out, max_seconds=CHECK_SECONDS
    )


@pytest.mark.parametrize(
    "args, fragment",
    [
        # named in the bad-input review
        (["--capacity-factor", "inf"], "--capacity-factor must be a finite number, got inf"),
        (["--capacity-factor", "nan"], "--capacity-factor must be a finite number, got nan"),
        (["--variants", ","], "--variants is empty"),
        (["--variants", ""], "--variants is empty"),
        (["--capacity-factor", "0"], "--capacity-factor must be greater than 0, got 0.0"),
        (["--steps", "0"], "--steps must be at least 1, got 0"),
        (["--seeds", "0"], "--seeds must be at least 1, got 0"),
        # options the issue does not name
        (["--capacity-factor", "-1.5"], "--capacity-factor must be greater than 0, got -1.5"),
        (["--capacity-factor", "-inf"], "--capacity-factor must be a finite number, got -inf"),
        (["--variants", "omega,moe"], "--variants: unknown value 'moe'; allowed: dense, softmax"),
        (["--variants", "omega,,softmax"], "--variants 'omega,,softmax' has an empty item"),
        (["--variants", "omega,omega"], "--variants repeats omega"),
        (["--seeds", "-2"], "--seeds must be at least 1, got -2"),
        (["--steps", "-5"], "--steps must be at least 1, got -5"),
        (["--n-experts", "0"], "--n-experts must be at least 1, got 0"),
        (["--top-k", "0"], "--top-k must be at least 1, got 0"),
        (["--top-k", "-1"], "--top-k must be at least 1, got -1"),
        (["--n-experts", "1", "--top-k", "2"], "--n-experts (1) must be at least --top-k (2)"),
        (["--top-k", "9"], "--n-experts (8) must be at least --top-k (9)"),
        (["--threads", "0"], "--threads must be at least 1, got 0"),
        (["--quick", "--seeds", "0"], "--seeds must be at least 1, got 0"),
    ],
)
def test_bad_option_values_are_refused_before_any_work(refused, no_work, tmp_path, args, fragment):
    out = tmp_path / "run"
    _refused(refused, out, *args, match=fragment)
    assert not out.exists()


def test_an_out_that_is_a_file_is_refused(refused, no_work, tmp_path):
    out = tmp_path / "results.txt"
    out.write_text("not a directory\n")
    _refused(refused, out, "--quick", match="is a file, not a directory")


def test_an_out_below_a_file_is_refused(refused, no_work, tmp_path):
    (tmp_path / "file").write_text("x")
    _refused(refused, tmp_path / "file" / "run", "--quick", match="cannot be created")


def test_an_unwritable_out_is_refused(refused, no_work, tmp_path, monkeypatch):
    """Root writes anywhere whatever the mode, so the permission check itself answers "no" here."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        "semphys.core.validate.os.access", lambda path, mode: False if Path(path) == locked else real_access(path, mode)
    )
    _refused(refused, locked / "run", "--quick", match="not writable")


def test_a_run_directory_of_another_command_is_refused(refused, no_work, tmp_path):
    out = tmp_path / "cvfp-run"
    claim_run_dir(out, "cvfp train", {"steps": 10})
    (out / "train.json").write_text(json.dumps({"schema": "semphys.cvfp.train/1"}))
    line = _refused(refused, out, "--quick", match="cvfp train")
    assert "routing compare" in line


def test_a_routing_run_with_another_config_is_refused(refused, no_work, tmp_path):
    from semphys.experiments.routing.compare import RoutingCompareConfig

    out = tmp_path / "routing-run"
    claim_run_dir(out, "routing compare", RoutingCompareConfig(out=out, quick=True, steps=7).fingerprint())
    _refused(refused, out, "--quick", "--steps", "8", match="other settings")


def test_a_non_empty_directory_that_is_no_run_is_refused(refused, no_work, tmp_path):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8")
    _refused(refused, out, "--quick", match="not a semphys run directory")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--seeds", "abc"], "'--seeds'"),
        (["--capacity-factor", "one"], "'--capacity-factor'"),
        (["--steps", "1.5"], "'--steps'"),
        (["--top-k"], "--top-k"),
        (["--experts", "4"], "--experts"),
    ],
)
def test_unparsable_or_unknown_options_are_one_error_line(refused, no_work, tmp_path, args, fragment):
    out = tmp_path / "run"
    _refused(refused, out, *args, match=fragment)
    assert not out.exists()
