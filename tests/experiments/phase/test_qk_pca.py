"""`semphys phase qk-pca` end to end: the document and its schema, pooling by d_head, resume, bad input."""

import json
from pathlib import Path

import pytest

from conftest import tiny_bpe
from semphys.core.jsondoc import schema_path
from semphys.evidence import check_claims, check_document
from semphys.experiments.phase import qk_pca as qk_run
from tests.lm.tiny_models import save_tiny_model

SCHEMA = schema_path(qk_run.__file__, "qk_pca")


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory) -> dict[str, Path]:
    root, bpe = tmp_path_factory.mktemp("qk-models"), tiny_bpe()
    return {name: save_tiny_model(name, root / name, bpe) for name in ("llama", "qwen2", "mamba")}


def test_qk_pca_pools_by_d_head_resumes_and_refuses_other_settings(cli, tiny_dirs, tiny_gpt2_dir, tmp_path) -> None:
    out = tmp_path / "run"
    models = [str(tiny_dirs["llama"]), str(tiny_dirs["qwen2"]), str(tiny_gpt2_dir)]
    args = [
        "phase",
        "qk-pca",
        *[a for m in models for a in ("--model", m)],
        "--out",
        str(out),
        "--components",
        "3",
        "--random-draws",
        "19",
    ]
    code, stdout, stderr = cli(*args, "--json")
    assert code == 0, stderr
    document = json.loads((out / "qk_pca.json").read_text())
    check_document(document, SCHEMA)
    assert check_claims(document) == 7 and document["config"]["n_random"] == 19
    assert json.loads(stdout)["claims"] == document["claims"]
    (pooled,) = document["pooled"]
    assert pooled["models"] == models[:2] and pooled["key"] == "d_head = 16" and pooled["n_samples"] == 24
    assert document["side_by_side"] == [models[2]]  # the tiny GPT-2 has d_head 8
    # random weights against a random null: 24 matrices are too few for the spec's criterion to mean anything
    assert {row["outcome"] for row in document["claims"]} == {"fails"}
    assert all(row["nulls"][0]["draws"] == 19 and row["p_floor"] == pytest.approx(0.05) for row in document["claims"])
    assert [row["form"] for row in document["summary"]] == ["head_spec", "residual"] * 3 + ["head_spec"]
    attention = document["models"][models[0]]["attention"]
    assert len(attention["components"]) == 3 and sum(attention["uniform"].values()) == pytest.approx(1.0)
    assert {p.name for p in out.iterdir()} >= {
        "qk_pca.json",
        "report.html",
        "qk_spectra.png",
        "qk_attention.png",
        "state",
        "semphys-run.json",
    }
    page = (out / "report.html").read_text()
    assert "Experiment C" in page and page.index("Findings at a glance") < page.index("Experiment B:")

    (out / "qk_pca.json").unlink()
    code, _, stderr = cli(*args)  # the same run again: every model comes from its state file
    assert code == 0 and stderr.count("read from") == 3
    assert json.loads((out / "qk_pca.json").read_text())["claims"] == document["claims"]

    code, _, stderr = cli(*args, "--seed", "1")
    assert code == 2 and "other settings (seed differ)" in stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "{llama}", "--model", "{llama}"], "--model repeats"),
        (["--model", "{mamba}"], "has no attention, so no W_QK"),
        (["--model", "/no/such/model"], "unknown model spec"),
        (["--model", "{llama}", "--components", "0"], "--components must be at least 1"),
        (["--model", "{llama}", "--random-draws", "0"], "--random-draws must be at least 1"),
        (["--model", "{llama}", "--device", "tpu"], "device 'tpu'"),
    ],
)
def test_bad_input_is_refused_before_any_model_loads(cli, tiny_dirs, tmp_path, extra, message) -> None:
    out = tmp_path / "never"
    code, _, stderr = cli("phase", "qk-pca", *[a.format(**tiny_dirs) for a in extra], "--out", str(out))
    assert code == 2 and message in stderr and stderr.count("\n") == 1
    assert not out.exists()
