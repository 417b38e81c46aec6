"""The `samadhi` demo section at toy scale on MiniLM, and its page in headless Chromium."""

import json
from dataclasses import replace
from pathlib import Path

from semphys.evidence import check_claims
from semphys.experiments.demo import DemoSection, run_demo
from semphys.experiments.demo import samadhi as section
from semphys.samadhi.logs import validate_log


def test_samadhi_section_trains_evaluates_and_streams(tmp_path: Path, monkeypatch, open_page) -> None:
    monkeypatch.setattr(
        section,
        "DEMO",
        replace(
            section.DEMO, n_concepts=4, train_per_concept=15, valid_per_concept=5, vitakka_steps=20, vicara_steps=5
        ),
    )
    run = run_demo(tmp_path, sections=[DemoSection("samadhi", "Samadhi", section.run, "toy scale")])
    assert run.ok, run.failed
    work = tmp_path / "samadhi"
    for name in ("concept_accuracy", "gate_scores", "refinement_steps", "residual_traces", "stability"):
        assert (work / f"{name}.png").stat().st_size > 10_000, name
    assert validate_log(work / "probe_log.jsonl", "probe") == validate_log(work / "cetana_log.jsonl", "cetana") > 0
    result = json.loads((work / "eval.json").read_text())
    assert set(result["variants"]) == {"standard", "probe_specific"}
    assert check_claims(result) == len(result["claims"])
    page = run.index.read_text()
    assert "nearest centroid" in page and "Gate Open (Focus:" in page and "p adj. (floor)" in page
    check = open_page(run.index)
    assert check.images and not check.problems, check.problems
