"""semphys.core.validate: each check refuses what it names, in one line, and passes what it allows."""

import math
import os

import pytest

from semphys.core.errors import UserError
from semphys.core.validate import (
    parse_list,
    require_at_least,
    require_choice,
    require_directory_option,
    require_finite,
    require_memory,
    require_non_negative,
    require_positive,
    require_range,
)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_every_numeric_check_refuses_nan_and_infinity(bad: float) -> None:
    for check in (require_finite, require_positive, require_non_negative):
        with pytest.raises(UserError, match=r"^--tau must be a finite number, got (nan|inf|-inf)$"):
            check("--tau", bad)
    with pytest.raises(UserError, match="finite"):
        require_at_least("--steps", bad, 1)
    with pytest.raises(UserError, match="finite"):
        require_range("--beta", bad, 0.0, 1.0)


def test_zero_is_refused_or_meaningful_never_a_default() -> None:
    with pytest.raises(UserError, match=r"^--steps must be greater than 0, got 0$"):
        require_positive("--steps", 0)
    assert require_non_negative("--bootstrap", 0) == 0
    with pytest.raises(UserError, match=r"^--bootstrap must be 0 or more, got -1$"):
        require_non_negative("--bootstrap", -1)


def test_bounds_are_inclusive_and_named() -> None:
    assert require_range("--beta", 1.0, 0.0, 1.0) == 1.0
    assert require_at_least("--texts", 2, 2) == 2
    with pytest.raises(UserError, match=r"^--beta must be between 0.0 and 1.0, got 1.5$"):
        require_range("--beta", 1.5, 0.0, 1.0)
    with pytest.raises(UserError, match=r"^--texts must be at least 2, got 1$"):
        require_at_least("--texts", 1, 2)


def test_non_numbers_and_booleans_are_not_numbers() -> None:
    for bad in ("3", None, True):
        with pytest.raises(UserError, match="must be a number"):
            require_finite("--seed", bad)


def test_choice_lists_what_is_allowed() -> None:
    assert require_choice("--mode", "final", ("final", "per-layer")) == "final"
    with pytest.raises(UserError, match=r"^--mode: unknown value 'x'; allowed: final, per-layer$"):
        require_choice("--mode", "x", ("final", "per-layer"))


def test_parse_list_converts_and_refuses_empty_unknown_repeated_and_malformed() -> None:
    assert parse_list(None, "--words") is None
    assert parse_list(" bank, bat ", "--words") == ["bank", "bat"]
    assert parse_list("0.3,1.5", "--temperatures", float) == [0.3, 1.5]
    for empty in ("", ",", " , "):
        with pytest.raises(UserError, match="--words is empty"):
            parse_list(empty, "--words")
    with pytest.raises(UserError, match="empty item"):
        parse_list("bank,,bat", "--words")
    with pytest.raises(UserError, match=r"--temperatures: 'hot' is not a valid float"):
        parse_list("0.3,hot", "--temperatures", float)
    with pytest.raises(UserError, match=r"unknown value 'v'; allowed: n, a"):
        parse_list("n,v", "--pos", allowed=("n", "a"))
    with pytest.raises(UserError, match="repeats bank"):
        parse_list("bank,bat,bank", "--words")


def test_directory_option_refuses_a_file_and_an_unwritable_parent_and_creates_nothing(tmp_path, monkeypatch) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(UserError, match="is a file, not a directory"):
        require_directory_option("--cache-dir", file)
    with pytest.raises(UserError, match="is a file"):
        require_directory_option("--out", file / "sub")
    target = tmp_path / "a" / "b"
    assert require_directory_option("--out", target) == target and not (tmp_path / "a").exists()
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access  # root writes anywhere whatever the mode: the permission check answers "no" here
    monkeypatch.setattr(
        "semphys.core.validate.os.access",
        lambda path, mode: False if str(path) == str(locked) else real_access(path, mode),
    )
    with pytest.raises(UserError, match="cannot be created: .*locked is not writable"):
        require_directory_option("--out", locked / "run")
    with pytest.raises(UserError, match="locked is not writable; give a writable directory"):
        require_directory_option("--out", locked)


def test_memory_check_refuses_an_allocation_beyond_what_is_available() -> None:
    require_memory("a small array", 1024)
    with pytest.raises(UserError, match=r"^--n-particles x --dim needs 745058\.1 GiB, more than 80% of the"):
        require_memory("--n-particles x --dim", 1e6 * 1e5 * 8 * 1e3)
