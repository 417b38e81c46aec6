"""The `phase` demo section runs and its page loads cleanly."""

import dataclasses
import json
from pathlib import Path

import semphys.experiments.demo.phase as demo_phase
from semphys.experiments.demo import run_demo
from semphys.experiments.demo.sections import SECTIONS


def test_phase_section(
    monkeypatch, builtin_run, activation_root: Path, phase_config, tmp_path: Path, open_page
) -> None:
    # the session's activations (filled by `builtin_run`, whatever order the tests run in) and smaller
    # draws: the section's logic, not its defaults, is under test
    monkeypatch.setattr("semphys.lm.cache.cache_dir", lambda *parts: activation_root)
    monkeypatch.setattr(demo_phase, "PhaseConfig", lambda seed: dataclasses.replace(phase_config, seed=seed))
    monkeypatch.setattr(demo_phase, "N_WORDS", 4)
    run = run_demo(tmp_path, sections=[s for s in SECTIONS if s.name == "phase"])
    assert run.ok, run.failed
    record = json.loads((tmp_path / "run.json").read_text())
    config = record["sections"][0]["config"]
    assert config["models"] == ["embedded", "minilm"] and config["forwarded"] == {"embedded": 0, "minilm": 0}
    assert (tmp_path / "phase" / "results.json").is_file() and (tmp_path / "phase" / "phase_diagram.png").is_file()
    results = json.loads((tmp_path / "phase" / "results.json").read_text())
    assert record["sections"][0]["claims"] == results["claims"]  # the glance table shows what the document decided
    assert config["wordnet"]["n_words"] == 4 and set(config["wordnet"]["outcomes"]) == {"embedded", "minilm"}
    assert (tmp_path / "phase" / "wordnet" / "results.json").is_file()
    assert "Findings at a glance" in run.index.read_text()
    check = open_page(run.index)
    assert check.images and not check.problems, check.problems
