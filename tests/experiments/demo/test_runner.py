"""semphys.experiments.demo.runner: every section runs, failures are recorded, index.html and run.json written."""

import json
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from rich.console import Console  # noqa: E402

from semphys.core.errors import UserError  # noqa: E402
from semphys.core.rundir import claim_run_dir  # noqa: E402
from semphys.evidence import check_document  # noqa: E402
from semphys.experiments.demo import DemoSection, run_demo  # noqa: E402
from semphys.experiments.demo.runner import SCHEMA_FILE  # noqa: E402

calls: list[str] = []


def draw(ctx):
    calls.append("draw")
    ctx.config.update(points=3, model="none")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [0, 1, 4])
    ctx.figure(fig, "a parabola", "parabola")


def tabulate(ctx):
    calls.append("tabulate")
    time.sleep(0.05)
    ctx.section.table([{"layer": i, "m": i / 10} for i in range(5)], caption="m per layer")


def explode(ctx):
    calls.append("explode")
    ctx.section.text("partial output before the failure")
    raise RuntimeError("deliberate <failure>")


DRAW = DemoSection("draw", "Drawing", draw, "Draws a figure.")
TABLE = DemoSection("table", "Tabulating", tabulate, "Makes a table.")
BOOM = DemoSection("boom", "Exploding", explode, "Raises on purpose.")


@pytest.fixture(autouse=True)
def clear_calls():
    calls.clear()


def test_a_failing_section_is_recorded_and_the_others_still_run(tmp_path):
    run = run_demo(tmp_path, (DRAW, BOOM, TABLE))
    assert calls == ["draw", "explode", "tabulate"]
    assert not run.ok
    assert run.failed == ("boom",)
    assert [r.status for r in run.results] == ["ok", "failed", "ok"]
    assert run.results[1].error == "RuntimeError: deliberate <failure>"
    page = run.index.read_text()
    assert 'class="error-box"' in page
    assert "RuntimeError: deliberate &lt;failure&gt;" in page
    assert "Traceback (most recent call last)" in page and "in explode" in page
    assert "partial output before the failure" in page
    assert page.count('class="badge failed"') == 2  # heading and contents


def test_run_json_records_config_versions_and_each_sections_status_and_time(tmp_path):
    run = run_demo(tmp_path / "out", (DRAW, TABLE, BOOM), seed=7)
    assert run.record == tmp_path / "out" / "run.json"
    record = json.loads(run.record.read_text())
    assert record["state"] == "finished" and record["ok"] is False
    assert record["config"] == {"out": str(tmp_path / "out"), "seed": 7, "sections": ["draw", "table", "boom"]}
    assert {"python", "semphys", "torch", "transformers"} <= record["versions"].keys()
    assert record["command"] and record["date"]
    by_name = {s["name"]: s for s in record["sections"]}
    assert [by_name[n]["status"] for n in ("draw", "table", "boom")] == ["ok", "ok", "failed"]
    assert by_name["table"]["elapsed_s"] >= 0.05
    assert by_name["draw"]["config"] == {"points": 3, "model": "none"}
    assert by_name["boom"]["error"] == "RuntimeError: deliberate <failure>"
    assert all(s["budget_s"] == 120 and s["over_budget"] is False for s in record["sections"])
    assert record["elapsed_s"] >= sum(s["elapsed_s"] for s in record["sections"])
    check_document(record, SCHEMA_FILE)


def test_a_rerun_replaces_every_output_and_another_runs_directory_is_refused(tmp_path):
    run_demo(tmp_path / "out", (DRAW, TABLE))
    (tmp_path / "out" / "draw" / "stale.png").write_bytes(b"old")
    run_demo(tmp_path / "out", (DRAW, TABLE))
    assert not (tmp_path / "out" / "draw" / "stale.png").exists()
    with pytest.raises(UserError, match=r"with other settings \(seed differ\)"):
        run_demo(tmp_path / "out", (DRAW, TABLE), seed=1)
    claim_run_dir(tmp_path / "cvfp", "cvfp train", {"steps": 1})
    with pytest.raises(UserError, match="holds a `semphys cvfp train` run"):
        run_demo(tmp_path / "cvfp", (DRAW,))


def test_index_html_exists_with_each_section_and_its_figure_saved_beside_it(tmp_path):
    run = run_demo(tmp_path, (DRAW, TABLE))
    assert run.ok and run.index == tmp_path / "index.html"
    page = run.index.read_text()
    for title in ("Drawing", "Tabulating", "Draws a figure.", "m per layer"):
        assert title in page
    assert page.count("<img ") == 1
    assert (tmp_path / "draw" / "parabola.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "table").is_dir()


def test_only_runs_the_named_sections_and_rejects_unknown_names(tmp_path):
    run = run_demo(tmp_path, (DRAW, TABLE, BOOM), only=["table"])
    assert calls == ["tabulate"] and run.ok
    with pytest.raises(UserError, match="unknown demo section 'nope'; choose from: draw, table, boom"):
        run_demo(tmp_path, (DRAW, TABLE, BOOM), only=["nope"])


def test_duplicate_section_names_are_a_bug():
    with pytest.raises(ValueError, match="registered twice: draw"):
        run_demo("unused", (DRAW, DRAW))


def test_no_sections_still_writes_a_report(tmp_path):
    run = run_demo(tmp_path, ())
    assert run.ok and run.results == ()
    assert "No subsystem has registered a demo section yet" in run.index.read_text()


def test_default_sections_come_from_the_registration_point(tmp_path, monkeypatch):
    import semphys.experiments.demo.sections

    monkeypatch.setattr(semphys.experiments.demo.sections, "SECTIONS", (TABLE,))
    run = run_demo(tmp_path)
    assert [r.name for r in run.results] == ["table"] and calls == ["tabulate"]


def test_an_unwritable_output_directory_fails_before_any_section_runs(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(UserError, match=str(blocker)):
        run_demo(blocker / "demo", (DRAW,))
    assert calls == []


def test_a_section_over_its_budget_is_flagged_not_stopped(tmp_path):
    slow = DemoSection("slow", "Slow", tabulate, "Sleeps.", budget_s=0.01)
    run = run_demo(tmp_path, (slow,))
    assert run.ok and run.results[0].over_budget
    assert json.loads(run.record.read_text())["sections"][0]["over_budget"] is True
    page = run.index.read_text()
    assert "over its 0 s budget" in page and 'class="badge warning"' in page


def test_ctrl_c_writes_the_record_and_stops(tmp_path):
    def interrupt(ctx):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_demo(tmp_path, (DRAW, DemoSection("stop", "Stop", interrupt, "Ctrl-C."), TABLE))
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["state"] == "interrupted" and record["ok"] is False
    assert [s["status"] for s in record["sections"]] == ["ok", "interrupted"]
    assert calls == ["draw"]
    assert "interrupted" in (tmp_path / "index.html").read_text()


def test_figures_left_open_by_a_section_are_closed(tmp_path):
    def leak(ctx):
        plt.figure()
        plt.figure()

    run_demo(tmp_path, (DemoSection("leak", "Leak", leak, "Leaves figures open."),))
    assert plt.get_fignums() == []


def test_progress_goes_to_stderr_and_nothing_to_stdout(tmp_path, capsys):
    run_demo(tmp_path, (DRAW, BOOM))
    out, err = capsys.readouterr()
    assert out == ""
    assert "[1/2] draw: Drawing" in err and "[2/2] boom: Exploding" in err
    assert "draw: ok in" in err
    assert "boom: failed in" in err and "RuntimeError: deliberate <failure>" in err


def test_live_progress_on_a_terminal_runs(tmp_path):
    console = Console(file=__import__("io").StringIO(), force_terminal=True, width=100)
    run = run_demo(tmp_path, (DRAW, BOOM), console=console)
    assert run.failed == ("boom",)
    shown = console.file.getvalue()
    assert "draw" in shown and "failed" in shown


def test_the_report_opens_with_every_sections_claims_and_run_json_keeps_them(tmp_path):
    from semphys.evidence import Claim, Null, decide

    def claiming(ctx):
        rows = decide(
            [
                Claim(
                    "x beats its null",
                    "finding",
                    value=1.0,
                    interval=(0.5, 1.5),
                    interval_method="bootstrap",
                    nulls=(Null.exact("shuffle", 0.001, 0.0005),),
                ),
                Claim("a variant", "exploratory", value=0.1, nulls=(Null.exact("shuffle", 0.5, 0.0005),)),
            ]
        )
        ctx.add_claims([rows[0], rows[1].to_dict()])

    run = run_demo(tmp_path, (DemoSection("claiming", "Claiming", claiming, "Claims two rows."), TABLE))
    html = run.index.read_text(encoding="utf-8")
    assert html.index("Findings at a glance") < html.index("Claiming")
    assert "1 of 1 claims hold at demo scale" in html and "x beats its null" in html
    assert "a variant" not in html.split("Claiming")[0]  # exploratory rows stay out of the glance table
    record = json.loads(run.record.read_text())
    check_document(record, SCHEMA_FILE)
    assert [len(s["claims"]) for s in record["sections"]] == [2, 0]
    assert record["sections"][0]["claims"][0]["holds"] is True
