"""The `langevin` demo section at toy scale (the validation rows come from the session fixture),
and its page in headless Chromium."""

import json
from pathlib import Path

from semphys.experiments.demo import DemoSection, run_demo
from semphys.experiments.demo import langevin as section


def test_langevin_section_writes_its_figures_and_tables(
    tmp_path: Path, monkeypatch, validation_rows, open_page
) -> None:
    monkeypatch.setattr(section, "run_validation", lambda **kwargs: validation_rows)
    monkeypatch.setattr(section, "KRAMERS_EXTRA", ((4.0, "overdamped"),))
    monkeypatch.setattr(section, "PROBE_TEMPERATURES", (0.02,))
    small = DemoSection(
        "langevin",
        "Langevin",
        lambda ctx: section.run(ctx, n_prompts=1, n_tokens=2, kramers_transitions=30, probe_particles=200),
        "toy scale",
    )
    run = run_demo(tmp_path, sections=[small])
    assert run.ok, run.failed
    work = tmp_path / "langevin"
    for name in (
        "trajectories_s2",
        "stationary_histogram",
        "position_friction",
        "fep_vs_raw",
        "kramers_vs_beta",
        "weak_order",
        "temperature_probe",
    ):
        assert (work / f"{name}.png").stat().st_size > 10_000, name
    generation = json.loads((work / "generation.json").read_text())
    assert len(generation["metrics"]) == 7
    assert all(row["holds"] for row in json.loads((work / "validation.json").read_text())["claims"])
    page = run.index.read_text()
    assert "kramers_underdamped" in page and "langevin T=0.02" in page
    check = open_page(run.index)
    assert check.images and not check.problems, check.problems
