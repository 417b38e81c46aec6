"""Every row of `semphys langevin validate` passes, and a check can fail: the position-dependent
friction check fails when the spurious drift is dropped."""

import pytest

from semphys.core.errors import UserError
from semphys.evidence import check_claims, decide
from semphys.langevin.checks import CHECKS, Measurement, run_validation
from semphys.langevin.sde import theory

ROWS = [*CHECKS, "tangency", "constraint_drift"]


@pytest.mark.parametrize("name", ROWS)
def test_check_passes(name: str, validation_rows) -> None:
    row = next(r for r in validation_rows if r.name == name)
    assert decide([row.claim()])[0].holds, (
        f"{row.name}: measured {row.measured}, expected {row.expected}, tolerance {row.tolerance}"
    )


def test_every_check_has_a_row(validation_rows) -> None:
    assert sorted(r.name for r in validation_rows) == sorted(ROWS)


def test_the_friction_check_fails_without_the_spurious_drift(validation_rows) -> None:
    wrong = next(r for r in validation_rows if r.name == "position_friction_uncorrected")
    right = next(r for r in validation_rows if r.name == "position_friction")
    # the uncorrected scheme measured against the law it should have produced: a failing check
    as_if_correct = Measurement("position_friction", "", wrong.measured, right.expected, right.tolerance)
    assert as_if_correct.deviation > 10 * right.tolerance
    assert decide([as_if_correct.claim()])[0].holds is False  # the known failure fails its claim row too
    assert wrong.expected == pytest.approx(theory.mean_resultant_length(3, 4.0))


def test_every_row_is_a_check_claim_that_holds(validation_rows) -> None:
    claims = decide([row.claim() for row in validation_rows])
    assert all(c.kind == "check" and c.holds is True for c in claims)
    assert check_claims({"claims": [c.to_dict() for c in claims]}) == len(validation_rows)


def test_a_measurement_outside_its_tolerance_or_not_finite_does_not_hold() -> None:
    assert decide([Measurement("a", "", 1.2, 1.0, 0.05, relative=True).claim()])[0].holds is False
    assert decide([Measurement("a", "", float("nan"), 1.0, 0.05).claim()])[0].holds is None


def test_relative_and_absolute_deviation() -> None:
    assert Measurement("a", "", 1.1, 1.0, 0.05, relative=True).deviation == pytest.approx(0.1)
    assert Measurement("a", "", 1.1, 1.0, 0.05).deviation == pytest.approx(0.1)


def test_unknown_check_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown validation check nope; choose from vmf_overdamped"):
        run_validation(["nope"])


def test_position_friction_details_carry_both_laws(validation_rows) -> None:
    row = next(r for r in validation_rows if r.name == "position_friction")
    assert abs(row.detail["correct_law"] - row.detail["law_without_correction"]) > 0.2


def test_band_and_step_doubling_by_hand() -> None:
    from semphys.langevin.checks.measurement import Z_SIGMA, band, doubling_bias

    assert band(0.001, -0.0005) == pytest.approx(Z_SIGMA * 0.001 + 0.0005)
    # weak order 1: m(dt) = m0 + c dt, so m(2dt) - m(dt) = c dt is the bias at dt
    assert doubling_bias(0.74 + 0.002, 0.74 + 0.004, order=1) == pytest.approx(0.002)
    # weak order 2: m(2dt) - m(dt) = 3 c dt^2
    assert doubling_bias(0.74 + 0.001, 0.74 + 0.004, order=2) == pytest.approx(0.001)


def test_statistical_tolerances_are_computed_from_the_run(validation_rows) -> None:
    """Tolerances were literals beside a standard error that was never used."""
    from semphys.langevin.checks.measurement import Z_SIGMA

    rows = {row.name: row for row in validation_rows}
    for case in rows["vmf_overdamped"].detail["cases"]:
        assert case["tolerance"] == pytest.approx(Z_SIGMA * case["stderr"] + case["bias"])
        assert case["stderr"] > 0 and case["bias"] >= 0
    friction = rows["position_friction"]
    assert friction.tolerance == pytest.approx(Z_SIGMA * friction.detail["stderr"] + friction.detail["bias"])
    kramers = rows["kramers_overdamped"]
    assert kramers.tolerance == pytest.approx(Z_SIGMA / kramers.detail["transitions"] ** 0.5)
    weak = rows["weak_order"]
    assert weak.tolerance == pytest.approx(Z_SIGMA * weak.detail["slope_stderr"] + weak.detail["curvature_bias"])
