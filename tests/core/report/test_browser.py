"""A report opens in headless Chromium with every image loaded, a quiet console, no network.

The negative controls show the checker can fail: a broken image, a console error and a request
for a remote file are each flagged.
"""

import base64
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from semphys.core.report import Report  # noqa: E402
from semphys.experiments.demo import DemoSection, run_demo  # noqa: E402

PROVENANCE = {"versions": {"python": "3.11", "semphys": "0.1.0"}, "command": "pytest", "date": "today"}


def sample_report(tmp_path) -> Report:
    """A report with every kind of block and three figures, two from matplotlib, one from disk."""
    report = Report("Sample <report>", subtitle="for the browser test", provenance=PROVENANCE)
    layers = np.arange(19)
    m = np.tanh((layers - 9) / 2.5)
    phase = report.section("Order parameter")
    phase.text("The order parameter rises through the critical layer.\n\nA second paragraph.")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(layers, m, marker="o")
    ax.set(xlabel="layer", ylabel="m", title="order parameter")
    phase.figure(fig, caption="m against layer")
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(np.outer(m, m), cmap="viridis")
    phase.figure(fig, caption="m m^T")
    phase.table([{"layer": int(i), "m": float(v)} for i, v in zip(layers, m)], caption="m per layer")
    facts = report.section("Facts")
    facts.kv({"model": "gemma-3-270m", "layers": 18, "<script>": "alert(1)"})
    facts.code("semphys lm capture --model embedded\n<b>not bold</b>")
    disk = tmp_path / "disk.png"
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [1, 2])
    fig.savefig(disk)
    plt.close(fig)
    facts.figure(disk, caption="a figure read from a PNG file")
    failed = report.section("A failed section")
    failed.set_status("failed", "0.1 s")
    failed.error("RuntimeError: <boom>", details="Traceback (most recent call last):\n  ...")
    return report


def test_sample_report_loads_cleanly_in_chromium(tmp_path, open_page):
    path = sample_report(tmp_path).write(tmp_path / "index.html")
    check = open_page(path)
    assert len(check.images) == 3
    assert check.problems == []
    assert all(img["naturalWidth"] > 0 and img["naturalHeight"] > 0 for img in check.images)
    assert check.requests == [path.resolve().as_uri()]


def test_demo_report_with_a_failed_section_loads_cleanly_in_chromium(tmp_path, open_page):
    def draw(ctx):
        for i in ctx.progress(range(2), description="figures"):
            fig, ax = plt.subplots(figsize=(5, 3))
            ax.plot([0, 1], [i, 1 - i])
            ctx.figure(fig, f"line {i}", f"line{i}")

    def fail(ctx):
        raise RuntimeError("deliberate <failure>")

    run = run_demo(
        tmp_path / "demo",
        (DemoSection("draw", "Drawing", draw, "Two figures."), DemoSection("fail", "Failing", fail, "Raises.")),
    )
    check = open_page(run.index)
    assert len(check.images) == 2
    assert check.problems == []


def test_checker_flags_a_broken_image(tmp_path, open_page):
    page = sample_report(tmp_path).render()
    first = re.search(r"data:image/png;base64,[A-Za-z0-9+/=]+", page).group(0)
    garbage = "data:image/png;base64," + base64.b64encode(b"\x89PNG but not really").decode()
    broken = tmp_path / "broken.html"
    broken.write_text(page.replace(first, garbage, 1), encoding="utf-8")
    check = open_page(broken)
    assert len(check.broken_images) == 1
    assert check.problems == [f"image did not load: {garbage[:60]}"]


def test_checker_flags_console_errors_and_requests_that_leave_the_page(tmp_path, open_page):
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!doctype html><html><head><title>bad</title><link rel='icon' href='data:,'></head><body>"
        "<img src='http://example.invalid/figure.png'>"
        "<script>console.error('boom from the page')</script></body></html>"
    )
    check = open_page(bad)
    assert ("error", "boom from the page") in check.console
    assert "http://example.invalid/figure.png" in check.outside_requests
    assert len(check.broken_images) == 1
    assert any(p.startswith("network request left the page") for p in check.problems)
