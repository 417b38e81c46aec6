"""Temperature schedules: values by hand, and the errors a user can make."""

import pytest

from semphys.core.errors import UserError
from semphys.langevin.sde.schedules import Constant, Exponential, Linear, Stepwise, as_schedule, make_schedule


def test_schedules_by_hand() -> None:
    assert Constant(0.3)(5.0) == 0.3
    linear = Linear(1.0, 0.0, 2.0)
    assert [linear(t) for t in (0.0, 1.0, 2.0, 3.0)] == [1.0, 0.5, 0.0, 0.0]
    exp = Exponential(1.0, 0.01, 2.0)
    assert exp(1.0) == pytest.approx(0.1) and exp(5.0) == pytest.approx(0.01)
    step = Stepwise([0.0, 1.0], [2.0, 0.5])
    assert (step(0.5), step(1.0), step(9.0)) == (2.0, 0.5, 0.5)
    assert as_schedule(0.7)(1.0) == 0.7


def test_make_schedule_by_name() -> None:
    assert make_schedule("constant", 0.2)(3.0) == 0.2
    assert make_schedule("linear", 1.0, 0.0, 4.0)(2.0) == 0.5
    stepwise = make_schedule("stepwise", 1.0, 0.01, 4.0, steps=3)
    assert stepwise(0.0) == pytest.approx(1.0) and stepwise(3.9) == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Constant(-1.0), "must be finite and >= 0"),
        (lambda: Linear(1.0, -0.1, 1.0), "end temperature"),
        (lambda: Linear(1.0, 0.1, 0.0), "duration"),
        (lambda: Exponential(0.0, 0.1, 1.0), "exponential schedule"),
        (lambda: Stepwise([0.5, 1.0], [1.0, 0.5]), "start at 0"),
        (lambda: make_schedule("cosine", 1.0), "unknown temperature schedule"),
        (lambda: make_schedule("linear", 1.0), "needs an end temperature"),
    ],
)
def test_bad_schedules_are_user_errors(build, message: str) -> None:
    with pytest.raises(UserError, match=message):
        build()
