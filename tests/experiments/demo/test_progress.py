"""semphys.experiments.demo.progress: progress stays visible in a log that is not a terminal."""

import io
import time

from rich.console import Console

from semphys.experiments.demo.progress import DemoProgress


def plain_console() -> Console:
    return Console(file=io.StringIO(), force_terminal=False, width=200)


def test_plain_mode_announces_sections_loops_and_outcomes():
    console = plain_console()
    with DemoProgress(console) as progress:
        progress.start_section(1, 2, "phase", "Phase transition")
        assert list(progress.track(range(3), description="layers")) == [0, 1, 2]
        progress.log("fitted Landau curve")
        progress.end_section("ok", 1.25)
    lines = console.file.getvalue().splitlines()
    assert lines == [
        "[1/2] phase: Phase transition",
        "      phase: layers 3/3 done",
        "      phase: fitted Landau curve",
        "      phase: ok in 1.2 s",
    ]


def test_plain_mode_heartbeat_keeps_a_quiet_section_visible():
    console = plain_console()
    with DemoProgress(console, heartbeat_s=0.2) as progress:
        progress.start_section(1, 1, "slow", "Slow")
        time.sleep(0.7)
        progress.end_section("failed", 0.7, "RuntimeError: x")
    text = console.file.getvalue()
    assert "slow: still running" in text
    assert text.rstrip().endswith("slow: failed in 0.7 s - RuntimeError: x")


def test_heartbeat_stops_when_the_section_ends():
    console = plain_console()
    with DemoProgress(console, heartbeat_s=0.1) as progress:
        progress.start_section(1, 1, "quick", "Quick")
        progress.end_section("ok", 0.0)
        before = console.file.getvalue()
        time.sleep(0.3)
        assert console.file.getvalue() == before


def test_track_counts_items_without_a_length():
    console = plain_console()
    with DemoProgress(console) as progress:
        progress.start_section(1, 1, "gen", "Generator")
        assert sum(progress.track((i for i in range(5)), description="items")) == 10
        progress.end_section("ok", 0.0)
    assert "gen: items 5 done" in console.file.getvalue()


def test_live_mode_on_a_terminal_shows_bars_without_error():
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with DemoProgress(console) as progress:
        assert progress.live
        progress.start_section(1, 1, "phase", "Phase")
        assert list(progress.track(range(50), description="layers")) == list(range(50))
        progress.end_section("ok", 0.1)
    assert "phase" in console.file.getvalue()
