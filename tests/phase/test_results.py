"""results.json: valid JSON (no NaN), the documented keys, every prompt's sigma and fits."""

import json
import math

import jsonschema
import numpy as np
import pytest

from semphys.jsondoc import check
from semphys.phase.results import SCHEMA, SCHEMA_FILE, to_json


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
    rows = doc["verdict"]["rows"]
    assert {row["key"] for row in rows} == {"jump", "transition", "r2", "beta_cv", "chi_peak", "lc_spread"}
    for row in rows:  # evidence = threshold and null, each kept as its own column
        both = row["threshold_passed"] is True and row["beats_null"] is True
        assert row["passed"] is (True if both else None if None in (row["threshold_passed"], row["beats_null"])
                                 else False)
        assert row["null"] is None or row["null"]["n_sample"] == row["n"]
    assert len(doc["verdict"]["headline"]) == 3
    check(doc, SCHEMA_FILE)  # the whole document against results.schema.json
    broken = json.loads(json.dumps(doc))
    del broken["verdict"]["rows"][0]["beats_null"]
    with pytest.raises(jsonschema.ValidationError):
        check(broken, SCHEMA_FILE)
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
