"""Temperature schedules T(t) = 1 / beta(t) for annealing (spec 000 §4.3).

Spec 000 §4.3 calls temperature a probe: raising T melts existing structure, lowering it lets the
particle crystallise into the valleys that the potential (and its perturbation) carve. A schedule
is a callable `t -> T >= 0`; every built-in validates its parameters on construction and raises a
`UserError` for a negative temperature or an empty duration. T = 0 is allowed (no noise: the
deterministic gradient flow).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from semphys.core.errors import UserError

Schedule = Callable[[float], float]
"""Any callable mapping time to a temperature >= 0."""


def _check_temperature(value: float, name: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise UserError(f"{name} = {value} is not allowed: a temperature must be finite and >= 0")
    return value


def _check_duration(value: float, name: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"{name} = {value} is not allowed: a duration must be finite and > 0")
    return value


@dataclass(frozen=True)
class Constant:
    """T(t) = temperature."""

    temperature: float

    def __post_init__(self) -> None:
        _check_temperature(self.temperature, "temperature")

    def __call__(self, t: float) -> float:
        return self.temperature


@dataclass(frozen=True)
class Linear:
    """T goes linearly from `start` to `end` over [0, duration], then stays at `end`."""

    start: float
    end: float
    duration: float

    def __post_init__(self) -> None:
        _check_temperature(self.start, "start temperature")
        _check_temperature(self.end, "end temperature")
        _check_duration(self.duration, "schedule duration")

    def __call__(self, t: float) -> float:
        s = min(max(t / self.duration, 0.0), 1.0)
        return self.start + (self.end - self.start) * s


@dataclass(frozen=True)
class Exponential:
    """T(t) = start * (end / start)^(t / duration) on [0, duration] (geometric cooling), then `end`.

    Both temperatures must be > 0 (a geometric schedule never reaches 0).
    """

    start: float
    end: float
    duration: float

    def __post_init__(self) -> None:
        for value, name in ((self.start, "start temperature"), (self.end, "end temperature")):
            if _check_temperature(value, name) == 0:
                raise UserError(f"{name} = 0 is not allowed in an exponential schedule: give a temperature > 0")
        _check_duration(self.duration, "schedule duration")

    def __call__(self, t: float) -> float:
        s = min(max(t / self.duration, 0.0), 1.0)
        return self.start * (self.end / self.start) ** s


@dataclass(frozen=True)
class Stepwise:
    """Piecewise constant: `temperatures[i]` from `times[i]` on (times[0] must be 0, increasing)."""

    times: Sequence[float]
    temperatures: Sequence[float]

    def __post_init__(self) -> None:
        if len(self.times) != len(self.temperatures) or not self.times:
            raise UserError("a stepwise schedule needs as many switch times as temperatures (at least one)")
        if self.times[0] != 0 or any(b <= a for a, b in zip(self.times, self.times[1:])):
            raise UserError(f"stepwise switch times {list(self.times)} must start at 0 and increase")
        for i, value in enumerate(self.temperatures):
            _check_temperature(value, f"stepwise temperature {i}")

    def __call__(self, t: float) -> float:
        value = self.temperatures[0]
        for time, temperature in zip(self.times, self.temperatures):
            if t >= time:
                value = temperature
        return value


SCHEDULES = ("constant", "linear", "exponential", "stepwise")


def make_schedule(
    kind: str, start: float, end: float | None = None, duration: float | None = None, steps: int = 4
) -> Schedule:
    """A schedule by name, as the CLI builds it.

    constant: T = start. linear / exponential: start -> end over `duration`. stepwise: `steps`
    equal plateaus from start to end (geometric spacing) over `duration`.
    """
    if kind not in SCHEDULES:
        raise UserError(f"unknown temperature schedule {kind!r}; choose from {', '.join(SCHEDULES)}")
    if kind == "constant":
        return Constant(start)
    if end is None or duration is None:
        raise UserError(f"a {kind} schedule needs an end temperature and a duration")
    if kind == "linear":
        return Linear(start, end, duration)
    if kind == "exponential":
        return Exponential(start, end, duration)
    if kind == "stepwise":
        if steps < 1:
            raise UserError(f"a stepwise schedule needs at least 1 plateau, got {steps}")
        exp = Exponential(start, end, duration)
        times = [duration * i / steps for i in range(steps)]
        values = [exp(duration * i / max(steps - 1, 1)) for i in range(steps)]
        return Stepwise(times, values)
    raise UserError(f"unknown temperature schedule {kind!r}; choose from {', '.join(SCHEDULES)}")


def as_schedule(value: "Schedule | float") -> Schedule:
    """A float becomes `Constant(value)` (validated); a callable is returned as it is."""
    if callable(value):
        return value
    return Constant(float(value))
