"""semphys.cli.demo: `semphys demo` prints the report's path and exits 1 when a section failed."""

import pytest

import semphys.experiments.demo.sections
from semphys.experiments.demo import DemoSection


def ok(ctx):
    ctx.section.text("fine")


def fail(ctx):
    raise RuntimeError("broken")


def test_demo_prints_only_the_index_path_on_stdout(tmp_path, monkeypatch, cli):
    monkeypatch.setattr(semphys.experiments.demo.sections, "SECTIONS", (DemoSection("ok", "Fine", ok, "Works."),))
    code, out, err = cli("demo", "--out", str(tmp_path / "demo"))
    assert code == 0
    assert out == f"{tmp_path / 'demo' / 'index.html'}\n"
    assert (tmp_path / "demo" / "index.html").is_file()
    assert "[1/1] ok: Fine" in err


def test_a_failed_section_writes_the_report_and_exits_1(tmp_path, monkeypatch, cli):
    sections = (DemoSection("ok", "Fine", ok, "Works."), DemoSection("bad", "Broken", fail, "Fails."))
    monkeypatch.setattr(semphys.experiments.demo.sections, "SECTIONS", sections)
    code, out, err = cli("demo", "--out", str(tmp_path))
    assert code == 1
    assert out == f"{tmp_path / 'index.html'}\n"
    assert "failed sections: bad" in err
    assert "RuntimeError: broken" in (tmp_path / "index.html").read_text()


def test_an_unknown_section_is_a_one_line_error_with_exit_2(tmp_path, monkeypatch, cli):
    monkeypatch.setattr(semphys.experiments.demo.sections, "SECTIONS", (DemoSection("ok", "Fine", ok, "Works."),))
    code, out, err = cli("demo", "--out", str(tmp_path), "--only", "nope")
    assert code == 2 and out == ""
    assert err == "error: unknown demo section 'nope'; choose from: ok\n"


@pytest.mark.parametrize("option", ["--out", "--only", "--seed"])
def test_help_explains_every_option(cli, option):
    code, out, _ = cli("demo", "--help")
    assert code == 0 and option in out
