"""`semphys routing compare` (semphys.experiments.routing.compare, over semphys.routing.compare): a tiny
comparison end to end, against hand computations on its own output, its schema, resume, and summaries."""

import dataclasses
import json
import math

import jsonschema
import numpy as np
import pytest

from semphys.core.errors import UserError
from semphys.core.jsondoc import to_json
from semphys.evidence import check_claims, check_document
from semphys.experiments.routing.compare import RESULTS_SCHEMA, compare_runs
from semphys.experiments.routing.report import COLUMNS, summary_rows, summary_table
from semphys.routing.compare import LAYER_FIGURES, CompareConfig, summarise
from semphys.textlm.data import VOCAB_SIZE, DataConfig
from semphys.textlm.train import TrainConfig
from tests.routing.tiny import tiny_model


def _tiny(variants=("dense", "softmax", "omega_shuffled"), seeds=(0,)) -> CompareConfig:
    return CompareConfig(
        variants=variants,
        seeds=seeds,
        data=DataConfig(max_train_tokens=4000, max_valid_tokens=1500),
        model=tiny_model(),
        train=TrainConfig(steps=3, batch_size=4, seq_len=16, checkpoint_every=3),
        metric_windows=20,
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One tiny comparison, its work directory, and its document as written in strict JSON and read back."""
    out = tmp_path_factory.mktemp("routing")
    result = compare_runs(_tiny(), work=out)
    return out, result, json.loads(to_json(result))


def test_results_json_is_strict_and_matches_its_schema(tiny_run):
    out, result, saved = tiny_run
    check_document(saved, RESULTS_SCHEMA)
    assert check_claims(saved) == len(saved["claims"]) > 0
    assert saved["seed_floor"]["n_seeds"] == 1 and saved["seed_floor"]["p_floor"] == 0.5
    assert {c["key"] for c in saved["claims"]} == {"mi_null_softmax", "blind_softmax"}  # no omega run in _tiny
    assert saved == result
    assert "NaN" not in to_json(result)
    broken = json.loads(json.dumps(saved))
    broken["runs"][0]["val_ppl"] = None  # what a NaN perplexity becomes in strict JSON: the schema refuses it
    with pytest.raises(jsonschema.ValidationError):
        check_document(broken, RESULTS_SCHEMA)


def test_an_untrained_model_is_near_uniform_over_the_vocabulary(tiny_run):
    """Three steps at warm-up learning rates leave the GPT-initialised models at about V perplexity."""
    for run in tiny_run[1]["runs"]:
        assert abs(math.log(run["val_ppl"] / VOCAB_SIZE)) < 0.02, run["variant"]


def test_run_figures_are_the_means_of_their_layers_computed_by_hand(tiny_run):
    runs = {r["variant"]: r for r in tiny_run[1]["runs"]}
    for variant in ("softmax", "omega_shuffled"):
        run = runs[variant]
        assert len(run["layers"]) == 2
        for key in LAYER_FIGURES:
            assert run[key] == pytest.approx(np.mean([layer[key] for layer in run["layers"]]), abs=1e-12), key
        for layer in run["layers"]:
            load = np.array(layer["load"])
            assert load.sum() == pytest.approx(1.0)
            assert layer["load_cv"] == pytest.approx(load.std() / load.mean())
            nonzero = load[load > 0]
            assert layer["load_entropy"] == pytest.approx(-(nonzero * np.log(nonzero)).sum() / math.log(4))
            assert layer["mi_excess"] == pytest.approx(layer["mi_bits"] - layer["mi_null_bits"])
            assert np.array(layer["origin_expert"]).sum() == 20 * 16  # every metric token's first choice once
        assert run["tokens_per_second"] == pytest.approx(run["train_tokens"] / run["train_seconds"])
        assert run["train_tokens"] == 3 * 4 * 16
    dense = runs["dense"]
    assert dense["layers"] == [] and all(dense[key] is None for key in LAYER_FIGURES)
    assert dense["sensitivity_origin"] is None and dense["params_active"] == dense["params_total"]
    assert runs["softmax"]["sensitivity_origin"] == 0.0  # by construction: this router reads no origin


def test_summary_entries_are_the_runs_values(tiny_run):
    result = tiny_run[1]
    for run in result["runs"]:
        entry = result["summary"][run["variant"]]
        assert entry["val_ppl"] == {"mean": run["val_ppl"], "std": None, "n": 1, "values": [run["val_ppl"]]}
        assert entry["params_active"] == run["params_active"]


def test_an_interrupted_comparison_resumes_to_the_same_numbers(tiny_run, tmp_path):
    out, result, _ = tiny_run
    copy = tmp_path / "copy"
    (copy / "runs").mkdir(parents=True)
    for path in (out / "runs").iterdir():
        (copy / "runs" / path.name).write_bytes(path.read_bytes())
    (copy / "runs" / "softmax_seed0.json").unlink()  # killed after the checkpoint, before the run's record
    (copy / "runs" / "dense_seed0.json").write_text('{"config": {"varia')  # truncated by another tool
    record = copy / "runs" / "omega_shuffled_seed0.json"
    flipped = record.read_text().replace('"val_ppl": ', '"val_ppl": 1', 1)  # still JSON, wrong number
    assert flipped != record.read_text()
    record.write_text(flipped)
    again = compare_runs(_tiny(), work=copy)
    strip = [{k: v for k, v in r.items() if k not in ("train_seconds", "tokens_per_second")} for r in again["runs"]]
    want = [{k: v for k, v in r.items() if k not in ("train_seconds", "tokens_per_second")} for r in result["runs"]]
    assert strip == want
    with pytest.raises(UserError, match="another config"):
        compare_runs(dataclasses.replace(_tiny(), metric_windows=10), work=out)


def test_a_damaged_checkpoint_of_an_unrecorded_run_is_refused_naming_the_file(tiny_run, tmp_path):
    out = tiny_run[0]
    copy = tmp_path / "copy"
    (copy / "runs").mkdir(parents=True)
    for path in (out / "runs").iterdir():
        (copy / "runs" / path.name).write_bytes(path.read_bytes())
    (copy / "runs" / "softmax_seed0.json").unlink()
    checkpoint = copy / "runs" / "softmax_seed0.safetensors"
    data = bytearray(checkpoint.read_bytes())
    data[-64:] = bytes(b ^ 0xFF for b in data[-64:])  # 64 flipped bytes inside the last tensor
    checkpoint.write_bytes(bytes(data))
    with pytest.raises(UserError, match="softmax_seed0.safetensors"):
        compare_runs(_tiny(), work=copy)


def test_summary_gives_mean_and_sample_spread_by_hand():
    runs = [{"variant": "omega", "val_ppl": v, "params_total": 10, "params_active": 5} for v in (10.0, 12.0, 14.0)]
    runs.append({"variant": "softmax", "val_ppl": 7.0, "params_total": 9, "params_active": 4})
    summary = summarise(runs, ("omega", "softmax", "dense"))
    assert summary["omega"]["val_ppl"] == {"mean": 12.0, "std": 2.0, "n": 3, "values": [10.0, 12.0, 14.0]}
    assert summary["omega"]["load_cv"] is None and summary["omega"]["params_active"] == 5
    assert summary["softmax"]["val_ppl"]["std"] is None  # one seed has no sample spread
    assert summary["dense"]["val_ppl"] is None and summary["dense"]["params_total"] is None


def test_the_table_has_one_row_per_variant_and_every_column():
    summary = summarise(
        [{"variant": "omega", "val_ppl": v, "params_total": 10, "params_active": 5} for v in (3.0, 5.0)], ("omega",)
    )
    rows = summary_rows(summary)
    assert rows[0]["variant"] == "omega" and rows[0]["val ppl"] == "4.0±1.4" and rows[0]["load CV"] == "n/a"
    assert set(rows[0]) == {"variant", "params act/total", *(title for title, _ in COLUMNS.values())}
    lines = summary_table(summary).splitlines()
    assert len(lines) == 2 and lines[0].startswith("variant") and "5/10" in lines[1]


def test_the_command_claims_its_directory_writes_figures_and_prints_strict_json(cli, tmp_path, monkeypatch):
    import semphys.experiments.routing.compare as command

    monkeypatch.setattr(command, "quick_compare", lambda: _tiny(variants=("softmax", "omega")))
    out = tmp_path / "run"
    code, stdout, stderr = cli("routing", "compare", "--quick", "--out", str(out), "--json")
    assert code == 0, stderr
    printed = json.loads(stdout)
    check_document(printed, RESULTS_SCHEMA)
    assert printed == json.loads((out / "results.json").read_text())
    assert printed["files"] == ["results.json", "loss_curves.png", "expert_load.png", "origin_expert.png"]
    for name in printed["files"][1:]:
        assert (out / name).stat().st_size > 5_000, name
    assert (out / "semphys-run.json").is_file()
    code, stdout, stderr = cli("routing", "compare", "--quick", "--out", str(out))  # resumed: nothing retrains
    assert code == 0 and stdout.strip() == str(out / "results.json")
    assert "softmax" in stderr and json.loads((out / "results.json").read_text())["runs"] == printed["runs"]
    assert "| Omega router: lower validation perplexity than softmax" in stderr and "no paired row can hold" in stderr


def test_an_in_memory_run_writes_nothing_and_its_save_claims_the_directory(tiny_run, tmp_path, monkeypatch):
    """`run(options)` without a work directory keeps every run in memory (same numbers as a recorded one);
    `save` then claims the directory it is given, as in a notebook."""
    import semphys.experiments.routing.compare as command
    from semphys.core.rundir import MANIFEST, release_run_dirs

    monkeypatch.setattr(command, "quick_compare", _tiny)
    monkeypatch.chdir(tmp_path)
    result = command.run(command.RoutingCompareConfig(out=tmp_path / "unused", quick=True, progress=False))
    assert list(tmp_path.iterdir()) == []
    timing = ("train_seconds", "tokens_per_second")
    assert [{k: v for k, v in r.items() if k not in timing} for r in result.document["runs"]] == [
        {k: v for k, v in r.items() if k not in timing} for r in tiny_run[1]["runs"]
    ]
    try:
        path = result.save(tmp_path / "notebook")
    finally:
        release_run_dirs()
    assert (tmp_path / "notebook" / MANIFEST).is_file() and not (tmp_path / "notebook" / "runs").exists()
    assert json.loads(path.read_text())["files"][0] == "results.json"
