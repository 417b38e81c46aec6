"""Every row of `semphys langevin validate` passes, and a check can fail: the position-dependent
friction check fails when the spurious drift is dropped."""

import pytest

from semphys.errors import UserError
from semphys.langevin import theory
from semphys.langevin.validation import CHECKS, Check, run_validation

ROWS = [*CHECKS, "tangency", "constraint_drift"]


@pytest.mark.parametrize("name", ROWS)
def test_check_passes(name: str, validation_rows) -> None:
    row = next(r for r in validation_rows if r.name == name)
    assert row.passed, f"{row.name}: measured {row.measured}, expected {row.expected}, tolerance {row.tolerance}"


def test_every_check_has_a_row(validation_rows) -> None:
    assert sorted(r.name for r in validation_rows) == sorted(ROWS)


def test_the_friction_check_fails_without_the_spurious_drift(validation_rows) -> None:
    wrong = next(r for r in validation_rows if r.name == "position_friction_uncorrected")
    right = next(r for r in validation_rows if r.name == "position_friction")
    # the uncorrected scheme measured against the law it should have produced: a failing check
    as_if_correct = Check("position_friction", "", wrong.measured, right.expected, right.tolerance)
    assert not as_if_correct.passed
    assert as_if_correct.deviation > 10 * right.tolerance
    assert wrong.expected == pytest.approx(theory.mean_resultant_length(3, 4.0))


def test_relative_and_absolute_deviation() -> None:
    assert Check("a", "", 1.1, 1.0, 0.05, relative=True).deviation == pytest.approx(0.1)
    assert not Check("a", "", float("nan"), 1.0, 0.05).passed


def test_unknown_check_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown validation check nope; choose from vmf_overdamped"):
        run_validation(["nope"])



def test_position_friction_details_carry_both_laws(validation_rows) -> None:
    row = next(r for r in validation_rows if r.name == "position_friction")
    assert abs(row.detail["correct_law"] - row.detail["law_without_correction"]) > 0.2
