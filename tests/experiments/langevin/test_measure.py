"""`semphys langevin measure` end to end on the tiny GPT-2, resuming, and its up-front refusals."""

import json
from pathlib import Path

import pytest

from semphys.core.jsondoc import schema_path
from semphys.evidence import check_claims, check_document


def _measure(tiny_gpt2_dir: Path, out: Path, *extra: str) -> tuple[str, ...]:
    return (
        "langevin",
        "measure",
        "--model",
        str(tiny_gpt2_dir),
        "--texts",
        "40",
        "--tokens",
        "8",
        "--passages",
        "6",
        "--out",
        str(out),
        *extra,
    )


def test_measure_writes_a_schema_valid_document_and_resumes(cli, tiny_gpt2_dir, tmp_path):
    out = tmp_path / "run"
    code, stdout, err = cli(*_measure(tiny_gpt2_dir, out))
    assert code == 0, err
    document = json.loads((out / "measure.json").read_text())
    import semphys.experiments.langevin.measure as measure

    check_document(document, schema_path(measure.__file__, "measure"))
    (section,) = document["models"]
    assert section["layer_time"]["n_held_out"] == 10 and section["layer_time"]["n_train"] == 30
    assert section["token_time"] is not None  # GPT-2 is causal
    assert check_claims(document) == len(section["claims"]) > 0
    claims = [row["claim"] for row in section["claims"]]
    assert any("FEP" in c for c in claims) and any("random walk" in c for c in claims)
    assert any(c.startswith("4.5 lens switching") for c in claims)
    assert not any("lens" in n["claim"] for n in document["not_operationalised"])
    for row in section["claims"]:  # holds only with an interval and every null beaten
        assert not row["holds"] or (row["interval"] is not None and row["nulls"])
    assert (out / "report.html").is_file() and list(out.glob("*.png"))
    page = (out / "report.html").read_text()
    assert page.index("Findings at a glance") < page.index(": layer clock")
    assert "| claim |" in stdout
    code, again, err = cli(*_measure(tiny_gpt2_dir, out))
    assert code == 0 and "finished in an earlier run" in err
    assert json.loads((out / "measure.json").read_text())["models"][0]["claims"] == section["claims"]


def test_the_schema_refuses_a_document_without_a_model(tmp_path):
    import jsonschema

    import semphys.experiments.langevin.measure as measure

    document = {
        "schema": "semphys.langevin.measure/2",
        "config": {"models": [], "texts": 8, "layer": {}, "token": {}, "seed": 0},
        "models": [],
        "not_operationalised": [],
        "seconds": 0,
        "versions": {},
    }
    with pytest.raises(jsonschema.ValidationError):
        check_document(document, schema_path(measure.__file__, "measure"))  # no model


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (("--texts", "1"), "--texts must be at least 8"),
        (("--tokens", "1"), "--tokens must be at least 2"),
        (("--passages", "1"), "--passages must be at least 2"),
        (("--temperature", "0"), "temperature 0.0 is not allowed"),
        (("--temperature", "-1"), "temperature -1.0 is not allowed"),
    ],
)
def test_bad_numbers_are_refused_up_front(refused, tmp_path, extra, match):
    out = tmp_path / "out"
    refused("langevin", "measure", "--model", "embedded", "--out", str(out), *extra, match=match, untouched=out)


def test_a_model_that_cannot_be_read_is_refused_up_front(refused, tmp_path):
    not_a_model = tmp_path / "empty-model"
    not_a_model.mkdir()
    out = tmp_path / "out"
    refused(
        "langevin", "measure", "--model", str(not_a_model), "--out", str(out), match=str(not_a_model), untouched=out
    )


def test_a_measurement_in_memory_writes_no_run_directory(tiny_gpt2_dir, tmp_path):
    """Without a work directory nothing is claimed and no per-model section is kept (no resume)."""
    import dataclasses

    from semphys.experiments.langevin.measure import MeasureConfig, run
    from semphys.langevin.measure.token_time import TokenTimeConfig

    token = dataclasses.replace(TokenTimeConfig(), tokens=8, passages=6)
    result = run(MeasureConfig(models=(str(tiny_gpt2_dir),), out=tmp_path / "unused", texts=40, token=token))
    assert not (tmp_path / "unused").exists()
    (section,) = result.document["models"]
    assert section["claims"] and str(tiny_gpt2_dir) in result.arrays
