"""The sweep's `readout:` block (the held-out sense readout, spec 001 §実験1): parsed and checked with file:line:key, one job per model x grid
point, a stopped sweep resumes with only the missing job, and the summary and report carry its rows."""

import json

import pytest

from semphys.core.errors import UserError
from semphys.core.jsondoc import schema_path
from semphys.evidence import check_claims, check_document
from semphys.experiments.phase.readout_results import SCHEMA_FILE as READOUT_SCHEMA
from semphys.experiments.sweep import Inline, parse_sweep_spec, plan_sweep, report, run_sweep, write_outputs
from semphys.experiments.sweep.merge import readout_documents
from semphys.experiments.sweep.store import SweepStore

from .fakes import InterruptedWorker
from .test_spec import FULL

READOUT = """models: [minilm]
qk_pca: false
readout:
  n_words: 2
  seed: [0, 1]
  n_null: 20
  n_bootstrap: 100
  n_bimodal_null: 1
"""
"""Two readout jobs on MiniLM (two grid points), two WordNet nouns each, the smallest nulls allowed."""


def test_readout_block_is_a_grid_with_pos_as_one_setting_and_all_words() -> None:
    spec = parse_sweep_spec(
        "models: [embedded, minilm]\nreadout:\n  n_words: [25, all]\n  pos: [n, v]\n  seed: [0, 1]\nqk_pca: false\n",
        "s.yaml",
    )
    points = spec.readout_points()
    assert len(points) == 4 and points[0] == {"n_words": 25, "pos": ("n", "v"), "seed": 0}
    assert points[-1]["n_words"] is None  # all
    plan = plan_sweep(spec)
    assert plan.counts() == {("readout", "embedded"): 4, ("readout", "minilm"): 4}  # no words: no phase jobs
    assert plan.jobs[-1].label == "n_words=all,pos=n+v,seed=1"
    axis = parse_sweep_spec("models: [minilm]\nreadout: {pos: [[n], [n, v]]}\n").readout_points()
    assert axis == [{"pos": ("n",)}, {"pos": ("n", "v")}]


def test_a_spec_without_readout_keeps_its_fingerprint() -> None:
    """Sweep directories made before the readout block existed must still be recognised as theirs."""
    assert parse_sweep_spec(FULL).fingerprint() == "b695a7d480021ece"  # main at 7f7c2d3
    with_readout = parse_sweep_spec(FULL + "readout: {n_words: 5}\n")
    assert with_readout.fingerprint() != parse_sweep_spec(FULL).fingerprint()
    assert with_readout.fingerprint() != parse_sweep_spec(FULL + "readout: {n_words: 6}\n").fingerprint()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: [minilm]\n", "s.yaml:1: <top>: missing key 'words'; required: models, words"),
        (
            "models: [minilm]\nreadout:\n  n_null: [50, 5]\n",
            "s.yaml:3: readout.n_null: --null must be at least 20, got 5",
        ),
        (
            "models: [minilm]\nreadout:\n  pos: [n, x]\n",
            "s.yaml:3: readout.pos: --pos: unknown value 'x'; allowed: n, v, a",
        ),
        (
            "models: [minilm]\nreadout:\n  n_words: 0\n",
            "s.yaml:3: readout.n_words: --wordnet must be at least 1, got 0",
        ),
        ("models: [minilm]\nreadout:\n  n_words: some\n", "s.yaml:3: readout.n_words: expected an integer or all"),
        (
            "models: [minilm]\nreadout:\n  primary_mode: last\n",
            "s.yaml:3: readout.primary_mode: --mode: unknown value 'last'",
        ),
        ("models: [minilm]\nreadout:\n  seed: 1.5\n", "s.yaml:3: readout.seed: expected an integer"),
        ("models: [minilm]\nreadout:\n  models: [embedded]\n", "s.yaml:3: readout.models: unknown key; allowed: pos"),
    ],
)
def test_readout_mistakes_name_line_and_key(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_sweep_spec(text, "s.yaml")
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.fixture(scope="module")
def stopped_and_resumed(tmp_path_factory):
    """The readout sweep stopped (Ctrl-C) after its first job, then run again."""
    tmp = tmp_path_factory.mktemp("readout-sweep")
    spec = parse_sweep_spec(READOUT, "s.yaml")
    out, cache = tmp / "out", tmp / "cache"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out, Inline(cache_root=cache, worker_class=InterruptedWorker), progress=False)
    first = {p.name: p.stat().st_mtime_ns for p in (out / "jobs").iterdir()}
    stats = run_sweep(spec, out, Inline(cache_root=cache), progress=False)
    return spec, out, first, stats


def test_a_stopped_readout_sweep_runs_only_the_missing_job(stopped_and_resumed) -> None:
    spec, out, first, stats = stopped_and_resumed
    assert len(first) == 1
    assert (stats.n_jobs, stats.n_finished_before, stats.n_run, stats.n_ok) == (2, 1, 1, 1)
    after = {p.name: p.stat().st_mtime_ns for p in (out / "jobs").iterdir()}
    assert len(after) == 2 and {k: after[k] for k in first} == first  # the finished job was not rerun


def test_a_readout_job_holds_its_readout_json(stopped_and_resumed) -> None:
    spec, out, _, _ = stopped_and_resumed
    records = SweepStore(out).finished_records()
    seeds = sorted(r["result"]["config"]["seed"] for r in records)
    assert seeds == [0, 1]
    for record in records:
        document = record["result"]
        check_document(document, READOUT_SCHEMA)
        assert [m["spec"] for m in document["models"]] == ["minilm"] and document["config"]["n_words"] == 2
        assert document["config"]["n_null"] == 20 and record["job"]["settings"]["seed"] == document["config"]["seed"]
    # the two seeds draw different nulls from the same activations: the jobs are not copies of each other
    nulls = [r["result"]["models"][0]["readout"][0]["null_random"]["p95"] for r in records]
    assert nulls[0] != nulls[1]


def test_summary_and_report_carry_the_readout_rows(stopped_and_resumed, open_page) -> None:
    spec, out, _, _ = stopped_and_resumed
    plan = plan_sweep(spec)
    paths = write_outputs(plan, SweepStore(out))
    summary = json.loads(paths["summary"].read_text())
    check_document(summary, schema_path(report.__file__, "summary"))
    documents = readout_documents(SweepStore(out))
    assert all(check_claims(document) == len(document["claims"]) > 0 for document in documents.values())
    assert sorted(documents) == [f"n_words=2,seed={seed},n_null=20,n_bootstrap=100,n_bimodal_null=1" for seed in (0, 1)]
    rows = summary["readout"]
    assert {(r["settings"], r["model"]) for r in rows} == {(label, "minilm") for label in documents}
    for row in rows:  # each row is the job's own numbers at its peak layer; a layer is an int or None, never 3.0
        assert all(row[k] is None or type(row[k]) is int for k in ("first above null", "half-rise l_c", "peak layer"))
        block = documents[row["settings"]]["models"][0]
        found = next(
            r
            for r in block["readout"]
            if (r["design"], r["metric"], r["variant"], r["subset"])
            == (row["design"], row["metric"], "per-layer/standardised", "sighted")
        )
        assert row["peak layer"] == found["peak_layer"] and row["first above null"] == found["first_above_null"]
        assert row["peak acc"] == round(found["accuracy"][found["peak_layer"]], 3)
        null = max(found["null_random"]["p95"][found["peak_layer"]], found["null_shuffled"]["p95"][found["peak_layer"]])
        assert row["null p95 at peak"] == round(null, 3)
        assert found["peak_layer"] in block["layers"]  # picked on half the words: not always the argmax
    assert paths["readout"].is_file()  # readout.parquet
    page = open_page(paths["report"])
    assert "Held-out sense readout across layers" in paths["report"].read_text()
    assert len(page.images) == 2 and not page.problems, page.problems  # one figure per grid point
