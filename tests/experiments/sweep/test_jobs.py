"""semphys.experiments.sweep.jobs: the plan of a sweep, content-addressed job ids, tasks batched by model and settings."""

import dataclasses

from semphys.experiments.sweep.jobs import Job, make_tasks, plan_sweep
from semphys.experiments.sweep.spec import parse_sweep_spec
from semphys.phase import BUILTIN

SPEC = """models: [embedded, minilm]
words: {names: [bank, bat, crane]}
phase: {primary_mode: [per-layer, final], seed: [0, 1]}
langevin: {temperature: [0.1, 0.5], prompt: [A, B]}
"""


def test_plan_lists_models_x_words_x_grid_qk_per_seed_and_langevin():
    plan = plan_sweep(parse_sweep_spec(SPEC))
    counts = plan.counts()
    assert counts[("phase", "embedded")] == counts[("phase", "minilm")] == 3 * 2 * 2
    assert counts[("qk_pca", "minilm")] == 2  # one per seed: the QK null depends on nothing else
    assert counts[("langevin", "embedded")] == 2 * 2
    assert len({job.id for job in plan.jobs}) == len(plan.jobs)
    assert {job.item for job in plan.jobs if job.kind == "phase"} == {"bank", "bat", "crane"}


def test_job_ids_follow_content_not_order():
    first = plan_sweep(parse_sweep_spec(SPEC))
    again = plan_sweep(parse_sweep_spec(SPEC.replace("[bank, bat, crane]", "[crane, bank, bat]")))
    assert {j.id for j in first.jobs} == {j.id for j in again.jobs}
    bank = BUILTIN["bank"]
    edited = dataclasses.replace(bank, hints=("money",))
    same = Job("phase", "minilm", "bank", (), bank)
    assert same.id == Job("phase", "minilm", "bank", (), bank).id
    assert same.id != Job("phase", "minilm", "bank", (), edited).id  # a changed word is another job
    assert same.id != Job("phase", "embedded", "bank", (), bank).id


def test_tasks_batch_phase_words_by_model_and_settings():
    plan = plan_sweep(parse_sweep_spec(SPEC))
    tasks = make_tasks(plan.jobs, batch_words=2)
    phase = [t for t in tasks if t.kind == "phase"]
    assert all(len({(j.model, j.settings) for j in t.jobs}) == 1 for t in phase)
    assert sorted(len(t.jobs) for t in phase) == [1] * 8 + [2] * 8  # 3 words in chunks of 2, for 8 (model, settings)
    assert all(len(t.jobs) == 1 for t in tasks if t.kind != "phase")
    assert sum(len(t.jobs) for t in tasks) == len(plan.jobs)
    assert [t.model for t in tasks] == sorted(t.model for t in tasks)  # one model after the other


def test_words_that_cannot_be_paired_are_reported_not_dropped():
    plan = plan_sweep(parse_sweep_spec("models: [minilm]\nwords: {names: [bank, qwertyuiop]}\n"))
    assert [j.item for j in plan.jobs if j.kind == "phase"] == ["bank"]
    assert [s.word for s in plan.skipped_words] == ["qwertyuiop"]


def test_a_huge_grid_is_refused_from_its_axes_lengths_before_it_is_expanded(refused, tmp_path, monkeypatch) -> None:
    from semphys.experiments.sweep import spec as spec_module

    def no_expansion(grid):
        raise AssertionError("the grid was expanded before its size was checked")

    monkeypatch.setattr(spec_module, "grid_points", no_expansion)
    axes = "".join(
        f"  {key}: [{', '.join(str(start + i) for i in range(1000))}]\n"
        for key, start in (("seed", 0), ("n_bootstrap", 0), ("n_null_draws", 20))
    )
    path = tmp_path / "huge.yaml"
    path.write_text("models: [minilm]\nwords: {names: [bank]}\nphase:\n" + axes + "qk_pca: false\n")
    line = refused("sweep", "plan", str(path), match="1,000,000,000 jobs", max_seconds=20)
    assert "phase.seed (1,000 values)" in line and "--max-jobs" in line and "100,000" in line


def test_max_jobs_raises_the_limit(tmp_path) -> None:
    import pytest

    from semphys.core.errors import UserError
    from semphys.experiments.sweep import load_sweep_spec, plan_sweep
    from semphys.experiments.sweep.jobs import count_jobs

    path = tmp_path / "s.yaml"
    path.write_text("models: [minilm, embedded]\nwords: {names: [bank, bat]}\nphase:\n  seed: [0, 1, 2]\n")
    spec = load_sweep_spec(path)
    assert count_jobs(spec, 2) == 2 * (2 * 3 + 3) == len(plan_sweep(spec).jobs)
    with pytest.raises(UserError, match="18 jobs .* above the limit of 10"):
        plan_sweep(spec, max_jobs=10)
    assert len(plan_sweep(spec, max_jobs=18).jobs) == 18
