"""load_lm for every kind of spec, and the facts it reports."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.lm import LM, available_offline, check_device, check_model_spec, load_lm, model_layers


def test_embedded_facts(embedded: LM) -> None:
    facts = embedded.facts
    assert (facts.architecture, facts.n_layers, facts.d_model) == ("gemma3_text", 18, 640)
    assert (facts.n_heads, facts.n_kv_heads, facts.d_head) == (4, 1, 256)
    assert facts.causal and facts.max_positions == 32768 and facts.vocab_size == 262144
    # ~100 M transformer parameters; the 262k x 640 embedding is the rest (tied LM head counted once).
    assert facts.n_params - facts.n_params_non_embedding == 262144 * 640
    assert 99e6 < facts.n_params_non_embedding < 101e6
    assert "Q4_K_M" in facts.note


def test_minilm_facts(minilm: LM) -> None:
    facts = minilm.facts
    assert (facts.architecture, facts.n_layers, facts.d_model, facts.n_heads) == ("bert", 6, 384, 12)
    assert not facts.causal and facts.max_positions == 512


def test_local_directory(tiny_gpt2: LM) -> None:
    facts = tiny_gpt2.facts
    assert (facts.architecture, facts.n_layers, facts.d_model, facts.n_heads, facts.d_head) == ("gpt2", 2, 32, 4, 8)
    assert facts.causal and facts.max_positions == 64
    assert type(tiny_gpt2.body).__name__ == "GPT2Model"  # capture never runs the LM head


def _fake_hub_cache(hf_home: Path, repo_id: str, files: Path) -> None:
    """Lay a saved model out as huggingface_hub's cache does: models--org--name/snapshots/<rev>."""
    revision = "0" * 40
    repo = hf_home / "hub" / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(files, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)


def test_hub_id_is_read_from_the_hf_cache(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    """The hub path (`gpt2`, `org/name`): offline, a model present in the HF cache loads by its id."""
    _fake_hub_cache(tmp_path, "semphys-test/tiny-gpt2", tiny_gpt2_dir)
    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "semphys.cli", "lm", "info", "--model", "semphys-test/tiny-gpt2", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    facts = json.loads(out.stdout)
    assert (facts["architecture"], facts["n_layers"], facts["d_model"]) == ("gpt2", 2, 32)
    listing = subprocess.run(
        [sys.executable, "-c", "from semphys.lm import available_offline; print(available_offline())"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "semphys-test/tiny-gpt2" in listing.stdout


def test_unknown_spec_lists_what_is_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserError, match=r"unknown model spec 'no-such-model'.*available offline: embedded, minilm"):
        load_lm("no-such-model")


def test_empty_spec() -> None:
    with pytest.raises(UserError, match="empty model spec"):
        load_lm("")


def test_available_offline_starts_with_the_embedded_models() -> None:
    assert available_offline()[:2] == ["embedded", "minilm"]


def test_check_model_spec_reads_no_weights_and_refuses_unknown_specs(
    tiny_gpt2_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    check_model_spec("embedded")
    check_model_spec("minilm")
    check_model_spec(str(tiny_gpt2_dir))
    with pytest.raises(UserError, match=r"unknown model spec 'no-such-model'.*available offline: embedded, minilm"):
        check_model_spec("no-such-model")
    with pytest.raises(UserError, match="empty model spec"):
        check_model_spec("")


def test_model_layers_reads_the_config_only_and_agrees_with_the_loaded_facts(
    embedded: LM, minilm: LM, tiny_gpt2: LM, tiny_gpt2_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import transformers

    def no_weights(*args, **kwargs):
        raise AssertionError("model_layers loaded weights")

    for cls in (transformers.AutoModel, transformers.AutoModelForCausalLM):
        monkeypatch.setattr(cls, "from_pretrained", no_weights)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for lm, spec in ((embedded, "embedded"), (minilm, "minilm"), (tiny_gpt2, str(tiny_gpt2_dir))):
        assert model_layers(spec) == lm.facts.n_layers
    assert model_layers("minilm") == 6 and model_layers(str(tiny_gpt2_dir)) == 2
    with pytest.raises(UserError, match="unknown model spec 'no-such-model'"):
        model_layers("no-such-model")


def test_device_is_checked_before_anything_loads(minilm: LM) -> None:
    import torch

    assert check_device("cpu") == torch.device("cpu") and minilm.device == torch.device("cpu")
    for bad, message in (("banana", "unknown device 'banana'"), ("meta", "device 'meta' is not supported")):
        with pytest.raises(UserError, match=message):
            load_lm("minilm", device=bad)
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="no CUDA device"):
            load_lm("minilm", device="cuda")
