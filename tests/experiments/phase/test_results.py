"""results.json: valid JSON (no NaN), the documented keys, every prompt's sigma and fits."""

import json
import math

import jsonschema
import numpy as np
import pytest

from semphys.evidence import check_claims, check_document
from semphys.experiments.phase.results import SCHEMA, SCHEMA_FILE, to_json


def test_nan_and_numpy_become_plain_json() -> None:
    text = to_json({"a": np.float32(1.5), "b": float("nan"), "c": np.arange(2), "d": [np.inf, np.bool_(True)]})
    assert json.loads(text) == {"a": 1.5, "b": None, "c": [0, 1], "d": [None, True]}


def test_document_holds_what_the_issue_lists(builtin_run) -> None:
    doc = json.loads(builtin_run.results_path.read_text())
    assert doc["schema"] == SCHEMA and set(doc["models"]) == {"embedded", "minilm"}
    gemma = doc["models"]["embedded"]
    bank = gemma["words"]["bank"]
    prompt = bank["prompts"][3]
    assert (prompt["label"], prompt["sense"]) == ("strong_finance", "finance")
    for variant in doc["variants"]:
        assert len(prompt["sigma"][variant]) == 19
        fit = prompt["fits"][variant]
        for kind in ("second_order", "tanh", "step"):
            assert {"type", "params", "ci", "r2", "aic", "aicc"} <= set(fit[kind])
    assert prompt["fits"][doc["primary_variant"]][prompt["fits"][doc["primary_variant"]]["best"]]["ci"]["l_c"]
    assert set(bank["susceptibility"][doc["primary_variant"]]["hints"]) == {"money", "fish", "deposit", "water"}
    diagram = bank["phase_diagram"][doc["primary_variant"]]
    assert len(diagram["sigma"]) == len(diagram["columns"]) == 24
    assert gemma["qk_pca"]["forms"]["residual"]["at"]["50"] is not None
    claims = doc["claims"]
    assert check_claims(doc) == len(claims) + sum(len(v["claims"]) for v in doc["verdict_by_variant"].values())
    findings = [c for c in claims if c["kind"] == "finding"]
    assert {c["key"] for c in findings if c["model"] == "embedded"} >= {"amplitude", "jump", "transition", "r2"}
    assert {c["key"] for c in findings if c["key"].startswith("qk_projection")} == {
        c["key"] for c in findings if c["adjustment"] == "maxT"
    }  # one max-T finding per model and side
    for claim in findings:  # every decided finding with a p carries its interval, floor and Holm-adjusted p
        if claim["p"] is not None:
            assert claim["interval"] is not None and claim["p_floor"] is not None
            assert claim["p_adjusted"] >= claim["p"] - 1e-12
    assert {c["kind"] for v in doc["verdict_by_variant"].values() for c in v["claims"]} == {"exploratory"}
    assert doc["primary_variant"] not in doc["verdict_by_variant"]
    assert len(doc["verdict"]["headline"]) == 3
    check_document(doc, SCHEMA_FILE)  # the whole document against results.schema.json
    broken = json.loads(json.dumps(doc))
    del broken["claims"][0]["p_floor"]
    with pytest.raises(jsonschema.ValidationError):
        check_claims(broken)
    assert "versions" in doc["provenance"] and doc["config"]["n_bootstrap"] == 20
    assert not any(isinstance(v, float) and math.isnan(v) for v in _leaves(doc))


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value
