"""semphys.experiments.sweep.merge: the sweep's pooled verdict is the phase suite's verdict; tables have every row."""

from pathlib import Path

import pytest

from semphys.evidence import check_claims
from semphys.experiments.phase.run import run_phase
from semphys.experiments.sweep import Inline, load_sweep_spec, plan_sweep, run_sweep
from semphys.experiments.sweep.merge import aggregate, tables
from semphys.experiments.sweep.store import SweepStore
from semphys.phase import BUILTIN, PhaseConfig, Suite

from .conftest import CHEAP_PHASE, write_spec

WORDS = ("bank", "bat", "crane")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    root = tmp_path_factory.mktemp("merge")
    spec_path = write_spec(
        root,
        f"models: [minilm]\nwords: {{names: [{', '.join(WORDS)}]}}\n" + CHEAP_PHASE + "qk_pca: false\nbatch_words: 2\n",
    )
    spec = load_sweep_spec(spec_path)
    run_sweep(spec, root / "out", Inline(cache_root=root / "cache"), progress=False)
    return spec, SweepStore(root / "out"), root


def test_pooled_verdict_equals_the_phase_run_on_the_same_words(swept) -> None:
    spec, store, root = swept
    summary = aggregate(store.finished_records())
    (block,) = summary.values()
    config = PhaseConfig(**spec.phase_points()[0], qk_pca=False)
    reference = run_phase(
        ["minilm"], Suite(tuple(BUILTIN[w] for w in WORDS), "builtin"), config, cache_root=root / "cache"
    ).results
    assert block["variant"] == reference["primary_variant"]
    assert check_claims(summary) == len(block["claims"])
    for ours, theirs in zip(block["claims"], reference["claims"]):
        assert (ours["key"], ours["model"], ours["kind"]) == (theirs["key"], theirs["model"], theirs["kind"])
        assert ours["value"] == pytest.approx(theirs["value"], nan_ok=True)
        assert ours["threshold_passed"] == theirs["threshold_passed"]
        assert [d["n"] for d in ours["nulls"]] == [d["n"] for d in theirs["nulls"]]
    ours = block["models"]["minilm"]["summary"]
    assert ours["lc_over_L"] == pytest.approx(reference["models"]["minilm"]["summary"][block["variant"]]["lc_over_L"])
    strong = block["models"]["minilm"]["sign_accuracy"]["strong"]
    theirs = reference["models"]["minilm"]["sign_accuracy"][config.primary_correction]["accuracy"]["strong"]
    assert (strong["hits"], strong["n"]) == (theirs["hits"], theirs["n"])


def test_word_pass_rates_count_every_word(swept) -> None:
    _, store, _ = swept
    (block,) = aggregate(store.finished_records()).values()
    rates = block["models"]["minilm"]["word_pass_rate"]
    assert set(rates) == {"amplitude", "jump", "transition", "r2", "beta_cv", "chi_peak"}
    assert rates["jump"]["judged"] == len(WORDS) and 0 <= rates["jump"]["held"] <= len(WORDS)
    assert block["models"]["minilm"]["word_lc_over_L"]["n"] == len(WORDS)


def test_tables_have_a_row_per_prompt_and_per_job(swept) -> None:
    spec, store, _ = swept
    frames = tables(plan_sweep(spec), store)
    results, jobs = frames["results"], frames["jobs"]
    assert len(results) == sum(len(BUILTIN[w].prompts) for w in WORDS)
    assert set(results["word"]) == set(WORDS) and set(results["model"]) == {"minilm"}
    assert all(len(s) == 7 for s in results["sigma"])  # 6 layers + embeddings
    assert list(jobs["status"]) == ["ok"] * len(WORDS) and frames["langevin"].empty
    declared = results[results["sense"].notna()]
    assert declared["sign_correct"].notna().all() and results[results["sense"].isna()]["sign_correct"].isna().all()


def test_a_job_without_a_file_shows_as_pending(swept, tmp_path: Path) -> None:
    spec, store, _ = swept
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(store.out_dir, copy)
    next((copy / "jobs").iterdir()).unlink()
    jobs = tables(plan_sweep(spec), SweepStore(copy))["jobs"]
    assert sorted(jobs["status"]) == ["ok", "ok", "pending"]
