"""The sweep's `words: {wordnet: N | all}`: spec 001 at WordNet scale (`semphys phase run --wordnet N | --all`), one
job per model x phase grid point whose result is that run's results document; the phase block takes the design's
settings (`ScaleSettings`), and per-word settings are refused with file, line and key."""

import json

import pytest

from semphys.core.errors import UserError
from semphys.core.jsondoc import schema_path, to_json
from semphys.evidence import check_document
from semphys.experiments.phase.wordnet import SCHEMA, SCHEMA_FILE, WordnetRunConfig, run
from semphys.experiments.sweep import Inline, make_tasks, parse_sweep_spec, plan_sweep, report, run_sweep, write_outputs
from semphys.experiments.sweep.grids import SCALE_KEYS
from semphys.experiments.sweep.jobs import count_jobs
from semphys.experiments.sweep.spec import WordnetWords
from semphys.experiments.sweep.store import SweepStore
from semphys.phase.scale import ScaleSettings

SMALL = ScaleSettings(
    n_own_null=19, n_fit_null=5, n_null_draws=50, n_bootstrap=50, n_beta_null=20, n_class_permutations=19
)
"""Few draws of every null and resample: the design runs whole, its numbers are coarse."""
SCALE = """models: [minilm]
words: {wordnet: 3}
qk_pca: false
phase:
  n_own_null: 19
  n_fit_null: 5
  n_null_draws: 50
  n_bootstrap: 50
  n_beta_null: 20
  n_class_permutations: 19
"""
"""One WordNet-scale job: MiniLM on the first 3 usable nouns, with SMALL's draws."""


def test_wordnet_all_or_n_with_parts_of_speech_makes_the_phase_block_scale_settings() -> None:
    every = parse_sweep_spec("models: [minilm]\nwords: {wordnet: all, pos: [n, v]}\n", "s.yaml")
    assert every.words.wordnet == WordnetWords(None, ("n", "v")) and every.wordnet_scale
    assert every.words.wordnet.label == "wordnet:all:n,v" and every.phase_points() == [{}]
    three = parse_sweep_spec("models: [minilm]\nwords: {wordnet: 3}\nphase: {seed: [0, 1], transition: 0.4}\n")
    assert three.words.wordnet == WordnetWords(3, ("n",))
    assert three.phase_points() == [{"seed": 0, "transition": 0.4}, {"seed": 1, "transition": 0.4}]
    assert three.fingerprint() != parse_sweep_spec("models: [minilm]\nwords: {wordnet: 4}\n").fingerprint()
    assert not parse_sweep_spec("models: [minilm]\nwords: {names: [bank]}\n").wordnet_scale
    assert set(SCALE_KEYS) <= set(SMALL.to_dict())


def test_plan_lists_one_wordnet_job_per_model_and_grid_point() -> None:
    spec = parse_sweep_spec("models: [embedded, minilm]\nwords: {wordnet: all}\nphase: {seed: [0, 1, 2]}\n")
    plan = plan_sweep(spec)
    assert plan.counts() == {
        ("wordnet", "embedded"): 3,
        ("wordnet", "minilm"): 3,
        ("qk_pca", "embedded"): 3,
        ("qk_pca", "minilm"): 3,
    }
    assert count_jobs(spec, 0) == len(plan.jobs) and not plan.skipped_words
    scale = [job for job in plan.jobs if job.kind == "wordnet"]
    assert {job.item for job in scale} == {"wordnet:all:n"} and [j.label for j in scale[:3]] == [
        "seed=0",
        "seed=1",
        "seed=2",
    ]
    assert all(len(task.jobs) == 1 for task in make_tasks(plan.jobs, batch_words=8))
    verbs = plan_sweep(parse_sweep_spec("models: [embedded, minilm]\nwords: {wordnet: all, pos: v}\n"))
    assert not {j.id for j in scale} & {j.id for j in verbs.jobs if j.kind == "wordnet"}  # the words are in the id


ALLOWED = "allowed: " + ", ".join(SCALE_KEYS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "models: [minilm]\nwords: {wordnet: all}\nphase:\n  seed: 0\n  primary_mode: final\n",
            "s.yaml:5: phase.primary_mode: a setting of per-word phase jobs (words: names or prompts), not of the "
            f"WordNet-scale design (words: {{wordnet: N | all}}); {ALLOWED}",
        ),
        ("models: [minilm]\nwords: {wordnet: 3}\nphase: {fits: [tanh]}\n", "s.yaml:3: phase.fits: a setting of per"),
        ("models: [minilm]\nwords: {wordnet: 3}\nphase: {thresholds: 1}\n", "s.yaml:3: phase.thresholds: unknown key"),
        (
            "models: [minilm]\nwords: {names: [bank]}\nphase: {n_own_null: 9}\n",
            "s.yaml:3: phase.n_own_null: a setting of the WordNet-scale design (words: {wordnet: N | all}), not of "
            "per-word phase jobs (words: names or prompts); allowed: primary_mode",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 3}\nphase: {n_own_null: [19, 0]}\n",
            "s.yaml:3: phase.n_own_null: n_own_null must be at least 1, got 0",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 3}\nphase: {transition: 1.5}\n",
            "s.yaml:3: phase.transition: transition must be between 0 and 1, got 1.5",
        ),
        ("models: [minilm]\nwords: {wordnet: 3}\nphase: {seed: -1}\n", "s.yaml:3: phase.seed: seed must be 0 or more"),
        (
            "models: [minilm]\nwords: {wordnet: 3}\nphase: {hint_template: '{hint}'}\n",
            "s.yaml:3: phase.hint_template: hint_template '{hint}' must contain {hint} and {prompt}",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 3}\nphase: {n_hints: 1.5}\n",
            "s.yaml:3: phase.n_hints: expected an integer",
        ),
        ("models: [minilm]\nwords: {wordnet: some}\n", "s.yaml:2: words.wordnet: expected an integer or all"),
        ("models: [minilm]\nwords: {wordnet: 0}\n", "s.yaml:2: words.wordnet: must be at least 1, got 0"),
        (
            "models: [minilm]\nwords:\n  wordnet: 3\n  pos: [n, x]\n",
            "s.yaml:4: words.pos: unknown part of speech 'x'; allowed: n, v, a",
        ),
        (
            "models: [minilm]\nwords:\n  names: [bank]\n  pos: n\n",
            "s.yaml:4: words.pos: applies to WordNet words only (words: {wordnet: N | all, pos: [n, v]})",
        ),
        ("models: [minilm]\nwords: {pos: n}\n", "s.yaml:2: words: give exactly one of wordnet, names, prompts, got 0"),
    ],
)
def test_wordnet_scale_mistakes_name_line_and_key(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_sweep_spec(text, "s.yaml")
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.fixture(scope="module")
def ran_twice(tmp_path_factory):
    """The one-job sweep run, then run again into the same directory."""
    tmp = tmp_path_factory.mktemp("wordnet-sweep")
    spec = parse_sweep_spec(SCALE, "s.yaml")
    out, cache = tmp / "out", tmp / "cache"
    first = run_sweep(spec, out, Inline(cache_root=cache), progress=False)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / "jobs").iterdir()}
    second = run_sweep(spec, out, Inline(cache_root=cache), progress=False)
    return spec, out, cache, first, second, before


def test_a_wordnet_job_holds_the_wordnet_run_document(ran_twice) -> None:
    spec, out, _, first, _, _ = ran_twice
    assert (first.n_jobs, first.n_run, first.n_ok) == (1, 1, 1)
    (record,) = SweepStore(out).finished_records()
    document = record["result"]
    assert record["job"]["kind"] == "wordnet" and document["schema"] == SCHEMA
    check_document(document, SCHEMA_FILE)
    settings = json.loads(to_json(SMALL.to_dict()))
    assert document["config"] == {"models": ["minilm"], "n_words": 3, "pos": ["n"], "settings": settings}
    assert document["answers"]["minilm"]["outcome"] in (1, 2, 3)
    assert document["models"]["minilm"]["pooled"]["n_words"] == document["items"]["n_words"] == 3
    assert sorted(p.name for p in out.iterdir()) == ["failed", "jobs", "semphys-run.json", "sweep.json"]  # no report


def test_a_rerun_finds_the_job_finished_and_does_not_run_it_again(ran_twice) -> None:
    _, out, _, _, second, before = ran_twice
    assert (second.n_jobs, second.n_finished_before, second.n_run) == (1, 1, 0)
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / "jobs").iterdir()} == before


def test_the_job_computes_what_phase_run_computes(ran_twice) -> None:
    """The worker runs `experiments.phase.wordnet` on its loaded model: `phase run --wordnet 3` on the same model
    and settings (in memory, through the caches the job filled) decides the same claims from the same numbers."""
    _, out, cache, _, _, _ = ran_twice
    (record,) = SweepStore(out).finished_records()
    alone = run(WordnetRunConfig(models=("minilm",), n_words=3, settings=SMALL, cache_dir=cache)).document
    alone = json.loads(to_json(alone))
    job = record["result"]
    for key in ("claims", "answers", "headline", "items"):
        assert job[key] == alone[key], key
    assert job["models"]["minilm"]["pooled"] == alone["models"]["minilm"]["pooled"]


def test_summary_and_report_show_the_answer_per_model_and_grid_point(ran_twice) -> None:
    spec, out, _, _, _, _ = ran_twice
    paths = write_outputs(plan_sweep(spec), SweepStore(out))
    summary = json.loads(paths["summary"].read_text())
    check_document(summary, schema_path(report.__file__, "summary"))
    (document,) = [r["result"] for r in SweepStore(out).finished_records()]
    pooled, answer = document["models"]["minilm"]["pooled"], document["answers"]["minilm"]
    (row,) = summary["wordnet"]
    assert row["model"] == "minilm" and row["settings"] == plan_sweep(spec).jobs[0].label
    assert (row["outcome"], row["words"]) == (answer["outcome"], pooled["n_words"])
    assert row["l_c/L median"] == pooled["lc_over_L"]["median"]
    assert [row["l_c/L 95% low"], row["l_c/L 95% high"]] == pooled["lc_over_L"]["interval"]
    assert row["abrupt share"] == pooled["abruptness"]["share"]
    assert row["beats own nulls share"] == pooled["beats_own_nulls"]["share"]
    assert paths["wordnet"].is_file()  # wordnet.parquet
    page = paths["report"].read_text()
    assert "Spec 001 at WordNet scale" in page and answer["outcome_text"] in page
