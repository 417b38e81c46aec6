"""The `readout` and `measure` demo sections: their demo scale is one the commands accept, and the readout
section on a two-word subset of the real models fills a page that loads cleanly."""

import json
from pathlib import Path

from semphys.experiments.demo import DemoSection, run_demo
from semphys.experiments.demo import readout as readout_section
from semphys.experiments.demo.measure import demo_config
from semphys.experiments.demo.sections import SECTIONS
from semphys.experiments.langevin.measure import MeasureConfig
from semphys.experiments.phase.readout import ReadoutConfig


def test_both_sections_are_registered() -> None:
    assert {"readout", "measure"} <= {s.name for s in SECTIONS}


def test_the_demo_scales_pass_the_commands_checks_and_are_below_their_defaults(tmp_path: Path) -> None:
    config = ReadoutConfig(models=readout_section.MODELS, n_words=readout_section.N_WORDS, **readout_section.DEMO_SCALE)
    config.validate()  # raises UserError on a value `semphys phase readout` refuses
    assert config.n_null < ReadoutConfig().n_null and config.n_bootstrap < ReadoutConfig().n_bootstrap
    measure = demo_config(tmp_path / "m", 0)
    measure.validate()
    assert measure.texts < MeasureConfig().texts and measure.token.tokens < MeasureConfig().token.tokens
    assert measure.token.max_lag < measure.token.tokens


def test_readout_section_on_two_words_says_it_is_a_subset(tmp_path: Path, open_page) -> None:
    section = DemoSection(
        "readout", "readout", lambda ctx: readout_section.run(ctx, n_words=2, cache_root=tmp_path / "cache"), "test"
    )
    run = run_demo(tmp_path / "demo", sections=[section])
    assert run.ok, run.failed
    config = json.loads((tmp_path / "demo" / "run.json").read_text())["sections"][0]["config"]
    items = json.loads((tmp_path / "demo" / "readout" / "readout.json").read_text())
    assert config["n_items"] == {m["spec"]: m["n_items"] for m in items["models"]}
    assert json.loads((tmp_path / "demo" / "run.json").read_text())["sections"][0]["claims"] == items["claims"]
    assert items["config"]["n_words"] == 2 and items["config"]["n_null"] == readout_section.DEMO_SCALE["n_null"]
    page = run.index.read_text()
    assert "a subset of 2 WordNet nouns" in page and readout_section.FULL_COMMAND in page
    check = open_page(run.index)
    assert len(check.images) >= 1 and not check.problems, check.problems
