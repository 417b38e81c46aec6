"""Progress on stderr for `semphys demo`, visible the whole time.

On a terminal: a live rich display (a spinner with elapsed time per section, a bar per loop).
Elsewhere (CI logs, `make demo | tee`): plain lines, a loop's position at most every few seconds,
and a heartbeat while a section is quiet, so a log never goes silent for long.
"""

import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

T = TypeVar("T")


class _SizedBarColumn(BarColumn):
    """A bar only for loops of known length; a section's own task shows spinner and time only."""

    def render(self, task):
        return super().render(task) if task.total is not None else Text("")


class _SizedCountColumn(MofNCompleteColumn):
    def render(self, task):
        return super().render(task) if task.total is not None else Text("")


HEARTBEAT_S = 30.0
"""Plain mode: say a section is still running after this long without a line."""
LOOP_LINE_S = 5.0
"""Plain mode: print a loop's position at most this often."""


class DemoProgress:
    """Section-level and loop-level progress for one demo run. Use as a context manager."""

    def __init__(self, console: Console | None = None, heartbeat_s: float = HEARTBEAT_S) -> None:
        self.console = console or Console(stderr=True)
        self.live = self.console.is_terminal and not self.console.is_dumb_terminal
        self.heartbeat_s = heartbeat_s
        self._name = ""
        self._section_task = None
        self._started = 0.0
        self._last_line = 0.0
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._bars = (
            Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                _SizedBarColumn(bar_width=30),
                _SizedCountColumn(),
                TimeElapsedColumn(),
                console=self.console,
            )
            if self.live
            else None
        )

    def __enter__(self) -> "DemoProgress":
        if self._bars is not None:
            self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_heartbeat()
        if self._bars is not None:
            self._bars.stop()

    def _print(self, text: str) -> None:
        self._last_line = time.monotonic()
        self.console.print(text, highlight=False, soft_wrap=True)

    def start_section(self, index: int, count: int, name: str, title: str) -> None:
        """Announce section `index` (1-based) of `count`."""
        self._name = name
        self._started = time.monotonic()
        self._print(f"[bold]{escape(f'[{index}/{count}]')} {escape(name)}[/bold]: {escape(title)}")
        if self._bars is not None:
            self._section_task = self._bars.add_task(f"{escape(name)} running", total=None)
        else:
            self._stop.clear()
            self._heartbeat = threading.Thread(target=self._beat, daemon=True)
            self._heartbeat.start()

    def end_section(self, status: str, elapsed_s: float, note: str = "") -> None:
        """Report how the current section ended."""
        self._stop_heartbeat()
        if self._bars is not None and self._section_task is not None:
            self._bars.remove_task(self._section_task)
            self._section_task = None
        style = {"ok": "green", "failed": "bold red"}.get(status, "yellow")
        extra = f" - {escape(note)}" if note else ""
        self._print(f"      {escape(self._name)}: [{style}]{status}[/{style}] in {elapsed_s:.1f} s{extra}")

    def log(self, message: str) -> None:
        """A human message under the current section's name."""
        self._print(f"      {escape(self._name)}: {escape(message)}")

    def track(self, items: Iterable[T], total: int | None = None, description: str = "") -> Iterator[T]:
        """Yield from `items`, showing how far the loop is."""
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        label = f"{self._name}: {description}" if description else self._name
        if self._bars is not None:
            task = self._bars.add_task(escape(label), total=total)
            try:
                for item in items:
                    yield item
                    self._bars.advance(task)
            finally:
                self._bars.remove_task(task)
            return
        done, last = 0, time.monotonic()
        of = f"/{total}" if total is not None else ""
        for item in items:
            yield item
            done += 1
            now = time.monotonic()
            if now - last >= LOOP_LINE_S:
                self._print(f"      {escape(label)} {done}{of}")
                last = now
        self._print(f"      {escape(label)} {done}{of} done")

    def _beat(self) -> None:
        while not self._stop.wait(min(1.0, self.heartbeat_s / 4)):
            now = time.monotonic()
            if now - self._last_line >= self.heartbeat_s:
                self._print(f"      {escape(self._name)}: still running ({now - self._started:.0f} s)")

    def _stop_heartbeat(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
