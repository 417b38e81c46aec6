"""Checks a config runs on its fields before any work: one-line `UserError`s naming the option.

Every command builds its config dataclass and validates it here before a model loads or a step
runs, so a bad value costs nothing and leaves nothing behind. Each helper returns the value it
checked (so a config can write `self.tau = require_positive("--tau", self.tau)`) and raises
`UserError` with a message of the form `<name> must be ..., got <value>`; `name` is the option as
the user typed it.

NaN and infinity are refused by every numeric check: a NaN setting otherwise trains a useless
model, writes invalid JSON and exits 0. Zero is never "use the default": a check either accepts it
as a meaningful value (`require_non_negative`) or refuses it (`require_positive`).
"""

import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from semphys.core.errors import UserError

T = TypeVar("T")
Number = TypeVar("Number", int, float)


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserError(f"{name} must be a number, got {value!r}")
    return float(value)


def require_finite(name: str, value: Number) -> Number:
    """`value` is a finite number (not NaN, not infinite)."""
    if not math.isfinite(_number(name, value)):
        raise UserError(f"{name} must be a finite number, got {value}")
    return value


def require_positive(name: str, value: Number) -> Number:
    """`value` is finite and > 0."""
    require_finite(name, value)
    if value <= 0:
        raise UserError(f"{name} must be greater than 0, got {value}")
    return value


def require_non_negative(name: str, value: Number) -> Number:
    """`value` is finite and >= 0 (0 is a meaningful value for the option)."""
    require_finite(name, value)
    if value < 0:
        raise UserError(f"{name} must be 0 or more, got {value}")
    return value


def require_at_least(name: str, value: Number, minimum: Number) -> Number:
    """`value` is finite and >= `minimum`."""
    require_finite(name, value)
    if value < minimum:
        raise UserError(f"{name} must be at least {minimum}, got {value}")
    return value


def require_range(name: str, value: Number, low: Number, high: Number) -> Number:
    """`value` is finite and low <= value <= high."""
    require_finite(name, value)
    if not low <= value <= high:
        raise UserError(f"{name} must be between {low} and {high}, got {value}")
    return value


def require_choice(name: str, value: T, allowed: Iterable[T]) -> T:
    """`value` is one of `allowed`."""
    options = list(allowed)
    if value not in options:
        raise UserError(f"{name}: unknown value {value!r}; allowed: {', '.join(map(str, options))}")
    return value


def parse_list(
    text: str | None,
    name: str,
    convert: Callable[[str], T] = str,
    allowed: Iterable[T] | None = None,
    unique: bool = True,
) -> list[T] | None:
    """The items of a comma-separated option (`a,b, c`), converted; None when the option was not given.

    An option given but empty (`""`, `,`) is an error, never "use the default"; so is an item that
    `convert` rejects (ValueError) or that is not in `allowed`. With `unique` (a list of words,
    models, temperatures) a repeated item is an error too, since it would be run or counted twice;
    a vector's coordinates (`--mu 0,0,1`) are not unique.
    """
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise UserError(
            f"{name} is empty; give one or more comma-separated values"
            + (f" from: {', '.join(map(str, allowed))}" if allowed is not None else "")
        )
    if "" in parts:
        raise UserError(f"{name} {text!r} has an empty item; separate values with single commas")
    values: list[T] = []
    for part in parts:
        try:
            value = convert(part)
        except ValueError:
            kind = getattr(convert, "__name__", "value")
            raise UserError(f"{name}: {part!r} is not a valid {kind}") from None
        values.append(value)
    if allowed is not None:
        for value in values:
            require_choice(name, value, allowed)
    repeated = sorted({str(v) for v in values if values.count(v) > 1}) if unique else []
    if repeated:
        raise UserError(f"{name} repeats {', '.join(repeated)}; give each value once")
    return values


def require_directory_option(name: str, path: Path) -> Path:
    """`path` is an existing directory or can be created (its nearest existing parent is a writable directory).

    For cache roots and output directories: checked before the work, so a run never fails after
    forwarding everything. Nothing is created here.
    """
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise UserError(f"{name} {path} is a file, not a directory; give a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise UserError(f"{name} {path} is not writable; give a writable directory")
        return path
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UserError(f"{name} {path} cannot be created: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{name} {path} cannot be created: {parent} is not writable")
    return path


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (None where it cannot be read)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def require_memory(what: str, n_bytes: float, share: float = 0.8) -> None:
    """Refuse an allocation of `n_bytes` that exceeds `share` of the memory available now.

    what: the allocation in the user's terms, e.g. "--n-particles 1000000 x --dim 100000 (float32)".
    """
    available = available_memory_bytes()
    if available is not None and n_bytes > share * available:
        raise UserError(
            f"{what} needs {n_bytes / 2**30:.1f} GiB, more than {share:.0%} of the "
            f"{available / 2**30:.1f} GiB available; make it smaller"
        )
