"""`phase run --wordnet N`: the WordNet-scale design end to end on a few words (results.json, figures, report)."""

import json

import pytest

from semphys.core.errors import UserError
from semphys.evidence import check_document
from semphys.experiments import execute
from semphys.experiments.phase.wordnet import COMMAND, SCHEMA, SCHEMA_FILE, WordnetRunConfig, run
from semphys.phase.scale import ScaleSettings

SMALL = ScaleSettings(n_null_draws=100, n_bootstrap=100, n_beta_null=50, n_class_permutations=99)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, minilm):
    out = tmp_path_factory.mktemp("wordnet-run")
    config = WordnetRunConfig(out=out, models=("minilm",), n_words=6, settings=SMALL, cache=False)
    return out, execute(COMMAND, config, run)


def test_results_follow_the_bumped_schema_with_pooled_statistics_per_model(small_run):
    out, result = small_run
    document = json.loads((out / "results.json").read_text())
    assert document["schema"] == SCHEMA
    check_document(document, SCHEMA_FILE)
    pooled = document["models"]["minilm"]["pooled"]
    for key in (
        "n_words",
        "n_items",
        "lc_over_L",
        "mean_curve_half_rise_over_L",
        "beta",
        "abruptness",
        "beats_own_nulls",
        "beta_spread",
        "critical_line",
        "classes",
        "chi",
    ):
        assert key in pooled
    assert pooled["n_words"] >= 5 and pooled["n_items"] >= pooled["n_words"]
    assert document["answers"]["minilm"]["outcome"] in (1, 2, 3)


def test_the_report_leads_with_the_answer(small_run):
    out, result = small_run
    html = (out / "report.html").read_text()
    first = html.index("The answer")
    assert first < html.index("Curves and critical layers")
    assert result.document["headline"][0].split(":")[0] == "minilm"
    assert (out / "wordnet_curves.png").exists()


def test_a_bad_part_of_speech_is_refused_before_any_model_loads(tmp_path):
    with pytest.raises(UserError, match="--pos"):
        WordnetRunConfig(out=tmp_path / "x", pos=("x",)).validate()
    with pytest.raises(UserError, match="--wordnet"):
        WordnetRunConfig(out=tmp_path / "x", n_words=0).validate()


@pytest.mark.parametrize(
    "args, match",
    [
        (("--all", "--wordnet", "3"), "give one of --words, --prompts, --wordnet, --all, not --wordnet and --all"),
        (("--words", "bank", "--all"), "not --words and --all"),
        (("--pos", "n"), "--pos applies to WordNet words"),
        (("--all", "--pos", "x"), "--pos"),
    ],
)
def test_bad_wordnet_options_are_refused_before_any_model_loads(refused, tmp_path, args, match):
    out = tmp_path / "out"
    refused("phase", "run", "--out", str(out), *args, match=match, untouched=out)
    assert not out.exists()
