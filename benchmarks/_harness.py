"""Timing on a noisy shared machine: interleaved repeats, medians with their spread, the environment.

The machines are small (2 cores) and shared: the same capture took 2 s in one minute and 20 s in
the next, when another process took a core (a 2-thread OpenMP job then waits at every barrier). So:

- every comparison is made inside one run, with the cases interleaved (round r runs every case once,
  in an order rotated by r, so no case always runs first or last), after one warm-up round;
- each repeat measures how much CPU other processes used meanwhile (`/proc/stat` minus the CPU
  time of this process and of the children it waited for, e.g. a finished worker pool); a repeat
  is quiet when they used under `QUIET_CORES` cores. Rounds go on until every case has the asked
  number of quiet repeats (or a round limit is reached), and the statistics use the quiet repeats
  (all repeats when fewer than `MIN_QUIET` are quiet: the JSON says how many were kept);
- the median is reported with the fastest and slowest kept repeat, and ratios also round by round
  (`paired_ratios`), so that a load change between rounds cancels.
"""

import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata

import torch

from semphys.core.provenance import git_revision

PACKAGES = ("torch", "transformers", "transformer-lens", "torchsde", "numpy", "semphys")


QUIET_CORES = 0.25
"""A repeat is quiet when all other processes together used less than this many cores meanwhile."""

MIN_QUIET = 3
"""Statistics use the quiet repeats only when there are at least this many, else every repeat."""


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of one case over its repeats, with how busy the machine was meanwhile."""

    seconds: tuple[float, ...]
    cpu_used: tuple[float, ...]
    """Per repeat: this process's CPU seconds / wall seconds (2.0 = both cores of a 2-core machine)."""
    cpu_others: tuple[float | None, ...]
    """Per repeat: CPU seconds all other processes used (steal included) / wall seconds."""

    @property
    def quiet(self) -> tuple[bool, ...]:
        """Per repeat: whether other processes used less than `QUIET_CORES` (True where unknown)."""
        return tuple(o is None or o < QUIET_CORES for o in self.cpu_others)

    @property
    def kept(self) -> tuple[float, ...]:
        """The repeats the statistics use: the quiet ones if at least `MIN_QUIET`, else all."""
        quiet = tuple(s for s, q in zip(self.seconds, self.quiet) if q)
        return quiet if len(quiet) >= min(MIN_QUIET, len(self.seconds)) else self.seconds

    @property
    def median(self) -> float:
        return statistics.median(self.kept)

    @property
    def best(self) -> float:
        return min(self.kept)

    @property
    def worst(self) -> float:
        return max(self.kept)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median of the kept repeats: 0.1 means within 10% of the median."""
        return (self.worst - self.best) / self.median

    def to_dict(self) -> dict[str, object]:
        return {
            "median_s": self.median,
            "best_s": self.best,
            "worst_s": self.worst,
            "spread": self.spread,
            "n_kept": len(self.kept),
            "n_quiet": sum(self.quiet),
            "seconds": list(self.seconds),
            "quiet": list(self.quiet),
            "cpu_used": list(self.cpu_used),
            "cpu_others": list(self.cpu_others),
        }


def paired_ratios(numerator: Timing, denominator: Timing) -> tuple[float, ...]:
    """numerator / denominator round by round (the two ran seconds apart), over the rounds where
    both were quiet when there are at least `MIN_QUIET` such rounds, else over every round."""
    pairs = list(zip(numerator.seconds, denominator.seconds, numerator.quiet, denominator.quiet))
    quiet = [(a, b) for a, b, qa, qb in pairs if qa and qb]
    use = quiet if len(quiet) >= min(MIN_QUIET, len(pairs)) else [(a, b) for a, b, _, _ in pairs]
    return tuple(a / b for a, b in use)


def _machine_busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot (user, nice, system, irq, softirq, steal)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have been waited for (worker pools)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def interleaved(
    cases: dict[str, Callable[[], object]],
    repeats: int,
    warmup: int = 1,
    max_rounds: int | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Timing]:
    """Time every case round by round (rotating order), after `warmup` untimed rounds.

    Each repeat records the CPU this process used and the CPU all other processes used meanwhile.
    Rounds go on until every case has `repeats` quiet repeats (see `QUIET_CORES`) or `max_rounds`
    (default 2 x repeats) rounds have run; a contended machine thus costs time, not accuracy.
    """
    names = list(cases)
    max_rounds = max_rounds or 2 * repeats
    for _ in range(warmup):
        for name in names:
            cases[name]()
    samples: dict[str, list[tuple[float, float, float | None]]] = {name: [] for name in names}
    round_ = 0
    while round_ < repeats or (
        round_ < max_rounds
        and min(sum(o is None or o < QUIET_CORES for _, _, o in samples[n]) for n in names) < repeats
    ):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            busy, own = _machine_busy_seconds(), _own_cpu_seconds()
            start = time.perf_counter()
            cases[name]()
            wall = time.perf_counter() - start
            used = (_own_cpu_seconds() - own) / wall
            after = _machine_busy_seconds()
            others = None if busy is None or after is None else max(0.0, (after - busy) / wall - used)
            samples[name].append((wall, used, others))
        round_ += 1
        if log is not None:
            log(
                f"round {round_} (at least {repeats}, at most {max_rounds}): "
                + ", ".join(f"{n} {samples[n][-1][0]:.2f} s" + _mark(samples[n][-1][2]) for n in names)
            )
    return {name: Timing(*map(tuple, zip(*values))) for name, values in samples.items()}


def _mark(others: float | None) -> str:
    return "" if others is None or others < QUIET_CORES else f" (contended: others {others:.1f} cores)"


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def environment() -> dict[str, object]:
    """Date, versions, threads and CPU of this process: enough to tell two runs apart."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git": git_revision(),
        "versions": versions,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "cpu_count": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "load_average": load_average(),
        "thread_environment": {k: v for k, v in os.environ.items() if k.startswith(("OMP_", "MKL_", "GOMP_", "KMP_"))},
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A plain text table, columns left-aligned for text and right-aligned for numbers."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(row[i], (int, float)) or row[i] in ("", None) for row in rows) for i in range(len(headers))
    ]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)
