"""`semphys phase readout` (`semphys.experiments.phase.readout`, readout_models, readout_results): end to end on a tiny GPT-2 (spec 001 §実験1)."""

import json

import numpy as np
import pandas as pd
import pytest

from semphys.evidence import check_document
from semphys.experiments.phase.readout import ReadoutConfig
from semphys.experiments.phase.readout_models import run_models, word_requests
from semphys.experiments.phase.readout_report import headline_rows, write_report
from semphys.experiments.phase.readout_results import SCHEMA_FILE, readout_document, write_results
from semphys.lm import capture_residuals
from semphys.phase.potential import BimodalityConfig
from semphys.phase.readout.items import ReadoutItems, ReadoutWord, SenseClass

RIVER = (
    "I sat by the river bank and watched the water.",
    "The muddy bank of the river was steep.",
    "Fish swam near the grassy bank.",
    "We walked along the bank of the stream.",
)
MONEY = (
    "She deposited her savings at the bank before noon.",
    "The bank lent him money.",
    "He robbed the bank at night.",
    "My bank charges a fee.",
)
BAT = (
    SenseClass(
        "noun.animal",
        ("bat.n.01",),
        ("In the sense of a flying mammal, the bat",),
        ("The bat hung upside down in the dark cave.", "A bat flew out of the barn.", "the bat was asleep"),
    ),
    SenseClass(
        "noun.artifact",
        ("bat.n.05",),
        ("In the sense of a club for hitting a ball, the bat",),
        ("He swung the wooden bat hard.",),
    ),
)


def hand_items() -> ReadoutItems:
    bank = ReadoutWord(
        "bank",
        "n",
        (
            SenseClass("noun.object", ("bank.n.01",), ("In the sense of sloping land beside water, the bank",), RIVER),
            SenseClass("noun.group", ("bank.n.02",), ("In the sense of a financial institution, the bank",), MONEY),
        ),
    )
    return ReadoutItems((bank, ReadoutWord("bat", "n", BAT)), (), "hand")


@pytest.fixture(scope="module")
def config(tiny_gpt2_dir) -> ReadoutConfig:
    return ReadoutConfig(
        models=(str(tiny_gpt2_dir),),
        n_null=40,
        n_bootstrap=100,
        n_bimodal_null=3,
        bimodality=BimodalityConfig(min_items=4),
    )


@pytest.fixture(scope="module")
def tiny_run(config, tmp_path_factory):
    out = tmp_path_factory.mktemp("readout")
    items = hand_items()
    runs = run_models(items, config, tmp_path_factory.mktemp("cache"))
    document = readout_document(items, runs, config)
    write_results(out, document, runs)
    return out, document, runs


def test_readout_json_follows_its_schema_and_holds_every_variant(tiny_run):
    out, document, _ = tiny_run
    check_document(json.loads((out / "readout.json").read_text()), SCHEMA_FILE)
    model = document["models"][0]
    keys = {(r["design"], r["variant"], r["metric"]) for r in model["readout"]}
    assert len(keys) == 2 * 6 * 2
    loo = [r for r in model["readout"] if r["design"] == "loo" and r["subset"] == "sighted"]
    assert {r["n_words"] for r in loo} == {1}  # bat has one class with two or more items: no loo task


def test_parquet_rows_match_the_json_aggregates(tiny_run):
    out, document, _ = tiny_run
    table = pd.read_parquet(out / "readout.parquet")
    model = document["models"][0]
    assert len(table) == model["n_items"] * len(model["layers"])
    for row in model["readout"]:
        column = f"{row['design']}:{row['variant']}:{row['metric']}_correct"
        subset = table[table[column].notna() & (table["blind"] == (row["subset"] == "blind"))]
        accuracy = subset.groupby("layer")[column].mean().to_numpy(dtype=float)
        np.testing.assert_allclose(accuracy, row["accuracy"], atol=1e-12)
        assert subset["item"].groupby(subset["word"]).nunique().sum() == row["n_items"]


def test_blind_items_are_apart_in_a_causal_model(tiny_run):
    _, document, runs = tiny_run
    blind = {(r.word, r.sentence) for r in runs[0].items if r.blind}
    assert ("bat.n", "the bat was asleep") in blind and ("bank.n", "My bank charges a fee.") in blind
    assert document["models"][0]["n_blind"] == len(blind)


def test_the_report_shows_the_table_and_both_figures(tiny_run):
    out, document, _ = tiny_run
    page = write_report(document, out).read_text()
    assert page.count("<img") == 2 and "first above null" in page
    assert "Findings (evidence.decide)" in page and "held-out accuracy at the peak layer" in page
    assert "exploratory" in page and "maxT" in page
    assert (out / "readout.png").is_file() and (out / "potential.png").is_file()
    assert {row["design"] for row in headline_rows(document)} == {"gloss", "loo"}


def test_a_killed_run_keeps_its_finished_captures_and_resumes(config, tmp_path):
    calls = []

    def dying(*args, **kwargs):
        calls.append(len(args[1]))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return capture_residuals(*args, **kwargs)

    small = ReadoutConfig(**{**config.__dict__, "capture_chunk": 8})
    with pytest.raises(KeyboardInterrupt):
        run_models(hand_items(), small, tmp_path, capture=dying)
    first = run_models(hand_items(), small, tmp_path)
    assert first[0].capture.n_cached == calls[0] == 8
    assert first[0].capture.n_forwarded == first[0].capture.n_distinct - 8
    again = run_models(hand_items(), small, tmp_path)
    assert again[0].capture.n_forwarded == 0
    np.testing.assert_array_equal(
        again[0].items[0].values["gloss:per-layer/raw:kway_correct"],
        first[0].items[0].values["gloss:per-layer/raw:kway_correct"],
    )


@pytest.mark.parametrize(
    "args, match",
    [
        (["--pos", "n,x"], "--pos: unknown value 'x'; allowed: n, v, a"),
        (["--wordnet", "0"], "--wordnet must be at least 1"),
        (["--all", "--wordnet", "3"], "--all or --wordnet"),
        (["--model", "no-such-model-here"], "unknown model spec"),
        (["--null", "5"], "--null must be at least 20"),
        (["--null-pooled", "50"], "--null-pooled must be at least 100"),
    ],
)
def test_bad_input_is_refused_up_front(refused, tmp_path, args, match):
    out = tmp_path / "out"
    refused("phase", "readout", "--out", str(out), *args, match=match, untouched=out)
    assert not out.exists()


def test_an_out_directory_of_another_command_is_refused(refused, tmp_path):
    (tmp_path / "semphys-run.json").write_text(json.dumps({"command": "phase run", "fingerprint": "x"}))
    refused(
        "phase",
        "readout",
        "--out",
        str(tmp_path),
        "--wordnet",
        "2",
        match="holds a `semphys phase run` run",
        untouched=tmp_path,
    )


def test_a_prompts_file_run_reads_out_its_sense_declared_prompts_against_the_anchors(config, tiny_gpt2, tmp_path):
    from semphys.experiments import execute
    from semphys.experiments.phase import readout
    from semphys.phase.readout.prompts import prompts_items
    from tests.phase.readout.test_prompts import PROMPTS_FILE

    path = tmp_path / "p.yaml"
    path.write_text(PROMPTS_FILE)
    out = tmp_path / "out"
    execute(
        readout.COMMAND,
        ReadoutConfig(**{**config.__dict__, "prompts": path, "out": out, "cache_root": tmp_path / "cache"}),
        readout.run,
    )
    document = json.loads((out / "readout.json").read_text())
    check_document(document, SCHEMA_FILE)
    assert document["source"] == "prompts:p.yaml" and document["config"]["prompts"] == str(path)
    assert [s["word"] for s in document["skipped"]] == ["bat"] and len(document["unscored"]) == 2
    model = document["models"][0]
    assert (model["n_words"], model["n_items"], model["n_blind"]) == (1, 4, 1)  # "The bank was closed ..." is blind
    # the gloss design's directions are the anchors' means: sigma = cos(x, mean A) - cos(x, mean B), by hand
    (bank,) = prompts_items(path).words

    def resid(texts):
        return capture_residuals(tiny_gpt2, list(texts), ["bank"] * len(texts)).resid.numpy().astype(np.float64)

    def cos(a, b):
        return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)

    x = resid([s for _, s in bank.items()])
    mean_a, mean_b = (resid(c.glosses).mean(axis=0) for c in bank.classes)
    table = pd.read_parquet(out / "readout.parquet").sort_values(["item", "layer"])
    sigma = table["gloss:per-layer/raw:sigma"].to_numpy(dtype=float).reshape(4, -1)
    np.testing.assert_allclose(sigma, cos(x, mean_a) - cos(x, mean_b), atol=1e-5)


def test_a_layer_subset_gives_the_full_runs_values_at_those_layers_and_forwards_only_to_them(config, tmp_path):
    layers = (1, 2)
    calls = []

    def recording(*args, **kwargs):
        calls.append(kwargs["layers"])
        return capture_residuals(*args, **kwargs)

    subset_config = ReadoutConfig(**{**config.__dict__, "layers": layers})
    (subset,) = run_models(hand_items(), subset_config, tmp_path / "cache", capture=recording)
    assert set(calls) == {layers} and subset.layers == layers and subset.n_layers == 2
    (full,) = run_models(hand_items(), config, tmp_path / "cache")
    assert full.capture.n_cached == 0  # subset entries never serve an all-layer request
    for mine, theirs in zip(subset.items, full.items):
        assert mine.values.keys() == theirs.values.keys()
        for name, values in mine.values.items():  # final mode: the last chosen layer is L here, as in the full run
            np.testing.assert_allclose(values, theirs.values[name][list(layers)], atol=1e-9, err_msg=name)
    for key, summary in subset.summaries.items():
        accuracy = full.summaries[key].accuracy[list(layers)]
        np.testing.assert_allclose(summary.accuracy, accuracy, atol=1e-12)
        assert summary.peak_layer in layers  # a layer index, not a position
    assert subset.potential.v.shape[0] == subset.potential.bimodal_share.shape[0] == len(layers)
    np.testing.assert_allclose(subset.potential.bimodal_share, full.potential.bimodal_share[list(layers)])
    document = readout_document(hand_items(), [subset], subset_config)
    assert document["models"][0]["layers"] == [1, 2] and document["models"][0]["n_layers"] == 2
    write_results(tmp_path / "out", document, [subset])
    page = write_report(document, tmp_path / "out").read_text()
    assert "Layers read: " in page and "1, 2" in page
    peak = {(r["design"], r["metric"]): r for r in headline_rows(document)}[("loo", "sign")]
    primary = subset.summaries[("loo", config.primary_variant, "sign", "sighted")]
    assert peak["peak acc"] == round(float(primary.accuracy[layers.index(primary.peak_layer)]), 3)
    table = pd.read_parquet(tmp_path / "out" / "readout.parquet")
    assert sorted(table["layer"].unique()) == [1, 2] and sorted(table["relative_depth"].unique()) == [0.5, 1.0]
    (again,) = run_models(hand_items(), ReadoutConfig(**{**config.__dict__, "layers": (0, 2)}), tmp_path / "cache")
    assert again.capture.n_forwarded == 0  # a new subset is sliced from the all-layer entries


@pytest.mark.parametrize(
    "args, match",
    [
        (["--model", "minilm", "--layers", "0,7"], "--layers 7: minilm has layers 0..6"),
        (["--model", "minilm", "--layers", "7"], "error: --layers 7: minilm has layers 0..6"),
        (["--layers", "0,19"], "--layers 19: embedded has layers 0..18"),
        (["--layers", "3"], "--layers needs at least two layers, got [3]"),
        (["--layers", "2,2"], "--layers repeats 2"),
        (["--layers", "0,x"], "--layers: 'x' is not a valid int"),
        (["--layers", "-1,2"], "--layers -1: layer indices start at 0"),
        (["--prompts", "p.yaml", "--wordnet", "2"], "not with --wordnet, --all or --pos"),
        (["--prompts", "p.yaml", "--all"], "not with --wordnet, --all or --pos"),
        (["--prompts", "p.yaml", "--pos", "n"], "not with --wordnet, --all or --pos"),
        (["--prompts", "missing.yaml"], "missing.yaml"),
        (["--prompts", "bad.yaml"], "bad.yaml"),
    ],
)
def test_bad_prompts_and_layers_are_refused_before_any_model_loads(refused, tmp_path, monkeypatch, args, match):
    from tests.phase.readout.test_prompts import PROMPTS_FILE

    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(PROMPTS_FILE)
    (tmp_path / "bad.yaml").write_text("words: [unclosed")
    out = tmp_path / "out"
    refused("phase", "readout", "--out", str(out), *args, match=match, untouched=out)
    assert not out.exists()


def test_the_config_refuses_prompts_with_wordnet_and_keeps_old_fingerprints(tmp_path):
    from semphys.core.errors import UserError

    with pytest.raises(UserError, match="--prompts FILE or --wordnet N, not both"):
        ReadoutConfig(prompts=tmp_path / "p.yaml", n_words=3).validate()
    fields = ReadoutConfig().fingerprint()
    assert "prompts" not in fields and "layers" not in fields  # earlier run directories keep their fingerprint
    chosen = ReadoutConfig(prompts=tmp_path / "p.yaml", layers=(0, 3)).fingerprint()
    assert (chosen["prompts"], chosen["layers"]) == (str(tmp_path / "p.yaml"), (0, 3))


def test_a_cached_run_checks_readability_only_of_the_prompts_not_in_the_cache(config, tmp_path, monkeypatch):
    import semphys.phase.activations as activations

    run_models(hand_items(), config, tmp_path)  # fills the cache
    checked = []
    real = activations.locate_target
    monkeypatch.setattr(
        activations, "locate_target", lambda tok, prompt, word: checked.append(prompt) or real(tok, prompt, word)
    )
    cached = run_models(hand_items(), config, tmp_path)
    assert checked == [] and cached[0].capture.n_forwarded == 0
    run_models(hand_items(), config, False)  # no cache: every prompt is checked
    assert set(checked) == {r.prompt for word in hand_items().words for r in word_requests(word)}


def test_analyse_word_slices_equal_each_task_computed_on_its_own_items():
    # analyse_word computes cosines and Gram matrices once per word and mode and slices them per task;
    # the observed readout and sigma must equal a task computed from scratch on its own items.
    from semphys.experiments.phase.readout_models import analyse_word
    from semphys.lm.cache import Request
    from semphys.phase.anisotropy import Baseline, correct
    from semphys.phase.readout.centroid import gloss_scores, gram, loo_scores, read_out

    rng = np.random.default_rng(12)
    word = ReadoutWord(
        "bat",
        "n",
        BAT
        + (
            SenseClass(
                "noun.act",
                ("bat.n.03",),
                ("In the sense of a turn, the bat",),
                ("It was his bat next.", "She took her bat."),
            ),
        ),
    )
    prompts = [g for c in word.classes for g in c.glosses] + [s for _, s in word.items()]
    vectors = {Request(p, "bat"): rng.standard_normal((4, 6)).astype(np.float32) for p in prompts}
    baseline = Baseline.from_vectors(rng.standard_normal((5, 4, 6)))
    out = analyse_word(word, vectors, baseline, ReadoutConfig(n_null=20), rng)
    labels = np.array([k for k, _ in word.items()])
    raw = np.stack([vectors[Request(s, "bat")] for _, s in word.items()]).astype(np.float64)
    x = correct(raw, "standardised", baseline)
    gloss = np.stack(
        [
            correct(vectors[Request(c.glosses[0], "bat")].astype(np.float64)[None], "standardised", baseline)[0]
            for c in word.classes
        ]
    )
    for (design, metric), classes in {
        ("gloss", "kway"): [0, 1, 2],
        ("gloss", "sign"): [0, 1],
        ("loo", "kway"): [0, 2],
        ("loo", "sign"): [0, 2],
    }.items():
        mask = np.isin(labels, classes)
        relabel = np.searchsorted(classes, labels[mask])
        if design == "gloss":
            scores = gloss_scores(x[mask], gloss[classes], "final")
        else:
            scores = loo_scores(*gram(x[mask], "final"), relabel, len(classes))
        counts, indices = out[(design, "final/standardised", metric)]
        np.testing.assert_array_equal(indices, np.flatnonzero(mask))
        np.testing.assert_array_equal(counts.correct, read_out(scores, relabel))
        if metric == "sign":
            np.testing.assert_allclose(counts.sigma, scores[..., 0] - scores[..., 1], atol=1e-12)
        assert counts.random.shape == counts.shuffled.shape == (20, mask.sum(), 4)


def test_claims_validate_and_only_the_primary_variant_decides(tiny_run, config):
    from semphys.evidence import check_claims

    _, document, _ = tiny_run
    assert check_claims(document) == len(document["claims"]) > 0
    findings = [row for row in document["claims"] if row["kind"] == "finding"]
    keys = {(row["key"], row["claim"].split(":")[0]) for row in findings}
    assert {key for key, _ in keys} == {
        "first_above_null",
        "peak_layer",
        "peak_minus_output",
        "first_bimodal_above_null",
    }
    assert not any(config.primary_variant in row["claim"] or "blind" in row["claim"] for row in findings)
    exploratory = [row for row in document["claims"] if row["kind"] == "exploratory"]
    assert exploratory and all(row["outcome"] == "exploratory" and row["p_adjusted"] is None for row in exploratory)
    readable = [row for row in findings if row["key"] == "first_above_null"]
    assert all(null["draws"] == config.n_null_pooled for row in readable for null in row["nulls"])
    assert all(row["adjustment"] == "maxT" for row in readable)


def test_word_bimodality_equals_the_potential_modules_share_and_gains():
    from semphys.phase.potential import bic_gains
    from semphys.phase.readout.bimodality import equal_size_bic_gains

    rng = np.random.default_rng(15)
    for n in (6, 11):
        x = rng.standard_normal((500, n)) + (rng.random((500, n)) < 0.5) * rng.uniform(0, 4, (500, 1))
        x[:3] = 1.0  # constant rows: NaN in both
        np.testing.assert_allclose(equal_size_bic_gains(x), bic_gains(x, np.ones_like(x, dtype=bool)), atol=1e-9)

    from semphys.phase.potential import bimodal_shares
    from semphys.phase.readout.bimodality import word_bimodality

    rng = np.random.default_rng(13)
    words = [rng.standard_normal((3, n, 4)) + (np.arange(n) % 2 * 3.0)[None, :, None] for n in (6, 9, 6, 7)]
    mine = word_bimodality(words, BimodalityConfig()).mean(axis=1)  # [S, P]
    theirs = bimodal_shares([[w[s] for w in words] for s in range(3)], BimodalityConfig())
    np.testing.assert_allclose(mine, theirs)


def _potential(rng, k, n_words=30, n_items=12, n_layers=6, n_null=200):
    """sigma per word: two wells (+-2) from layer k on where k is not None, else one; null draws one well."""
    from semphys.experiments.phase.readout_models import measure_potential

    sigmas, nulls = [], []
    for _ in range(n_words):
        wells = np.where(np.arange(n_items) % 2 == 0, 2.0, -2.0)[:, None] * (np.arange(n_layers) >= (k or n_layers))
        sigmas.append(wells + 0.3 * rng.standard_normal((n_items, n_layers)))
        nulls.append(rng.standard_normal((n_null, n_items, n_layers)))
    return measure_potential(sigmas, nulls, ReadoutConfig(n_bootstrap=200), rng)


def test_bimodality_claim_known_positive_two_wells_from_layer_k_and_known_negative_one_well():
    from semphys.evidence import decide
    from semphys.phase.readout.claims import potential_claim

    rng = np.random.default_rng(14)
    found = _potential(rng, k=2)
    assert found.first_above_null == 2 and found.null.shape[0] == 200
    assert decide([potential_claim(found, "synthetic", range(6))])[0].holds is True
    none = _potential(rng, k=None)
    assert none.first_above_null is None
    assert decide([potential_claim(none, "synthetic", range(6))])[0].holds is False


def test_the_bimodality_null_has_at_least_200_draws_by_default():
    assert ReadoutConfig().n_bimodal_null >= 200 and ReadoutConfig().n_null_pooled >= 1000


def test_the_report_opens_with_the_findings_at_a_glance(tiny_run):
    from semphys.experiments.phase.readout_report import write_report

    out, document, _ = tiny_run
    page = write_report(document, out).read_text()
    assert page.index("<h2>Findings at a glance") < page.index("<h2>Where the sense becomes readable")
