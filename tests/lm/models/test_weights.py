"""A model loads only when every parameter it declares came from its files (`semphys.lm.models.weights`), a broken
config is one line, T5 saved encoder-only loads, and weights replaced in place get a new cache key."""

import json
import shutil
from pathlib import Path

import pytest

from tests.lm.tiny_models import save_tiny_model


def _one_line_refusal(cli, *args: str, match: str, untouched: Path | None = None) -> str:
    """Exit 2, one `error:` line containing `match`, nothing on stdout, `untouched` not created."""
    code, out, err = cli(*args)
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and match in lines[0], err
    if untouched is not None:
        assert not untouched.exists()
    return lines[0]


def _copy(directory: Path, to: Path) -> Path:
    shutil.copytree(directory, to)
    return to


def _edit_config(directory: Path, **fields) -> None:
    path = directory / "config.json"
    config = json.loads(path.read_text())
    config.update(fields)
    path.write_text(json.dumps(config))


def _drop_tensor(directory: Path, name: str) -> None:
    from safetensors.torch import load_file, save_file

    tensors = load_file(directory / "model.safetensors")
    del tensors[name]
    save_file(tensors, directory / "model.safetensors", metadata={"format": "pt"})


def test_a_removed_tensor_is_refused_before_any_work(cli, tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    broken = _copy(tiny_gpt2_dir, tmp_path / "broken")
    _drop_tensor(broken, "transformer.h.1.attn.c_attn.weight")
    line = _one_line_refusal(cli, "lm", "info", "--model", str(broken), match="transformer.h.1.attn.c_attn.weight")
    assert "1 parameter(s)" in line
    out = tmp_path / "run"
    _one_line_refusal(
        cli,
        "phase",
        "run",
        "--model",
        str(broken),
        "--out",
        str(out),
        "--words",
        "bank",
        "--bootstrap",
        "0",
        "--no-qk-pca",
        "--no-cache",
        match="not in its files",
        untouched=out,
    )


def test_a_config_with_more_layers_than_the_weights_names_the_first_missing_tensor_and_the_count(
    cli, tiny_gpt2_dir: Path, tmp_path: Path
) -> None:
    deeper = _copy(tiny_gpt2_dir, tmp_path / "deeper")
    _edit_config(deeper, n_layer=3)
    line = _one_line_refusal(cli, "lm", "info", "--model", str(deeper), match="12 parameter(s)")
    assert "first: transformer.h.2.attn.c_attn.bias" in line


def test_a_config_with_fewer_layers_or_another_width_is_refused(cli, tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    shallower = _copy(tiny_gpt2_dir, tmp_path / "shallower")
    _edit_config(shallower, n_layer=1)
    _one_line_refusal(cli, "lm", "info", "--model", str(shallower), match="first: transformer.h.1.")
    wider = _copy(tiny_gpt2_dir, tmp_path / "wider")
    _edit_config(wider, n_embd=64)
    line = _one_line_refusal(cli, "lm", "check", str(wider), match="another shape")
    assert "[96] in the files, [192] declared" in line


@pytest.mark.parametrize("command", [("lm", "info", "--model"), ("lm", "check"), ("phase", "run", "--model")])
def test_a_config_of_the_wrong_type_is_one_line(cli, tiny_gpt2_dir: Path, tmp_path: Path, command) -> None:
    broken = _copy(tiny_gpt2_dir, tmp_path / "broken")
    _edit_config(broken, n_layer="two")
    extra = ("--out", str(tmp_path / "run"), "--words", "bank") if command[0] == "phase" else ()
    line = _one_line_refusal(
        cli, *command, str(broken), *extra, match="invalid config.json", untouched=tmp_path / "run"
    )
    assert "n_layer" in line and "'two'" in line


def test_a_pretraining_head_under_an_encoder_is_left_out_and_listed(cli, tmp_path: Path) -> None:
    from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast

    from conftest import tiny_bpe

    bpe = tiny_bpe()
    BertForMaskedLM(
        BertConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            vocab_size=bpe.get_vocab_size(),
        )
    ).save_pretrained(tmp_path / "mlm")
    PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>").save_pretrained(tmp_path / "mlm")
    code, out, err = cli("lm", "info", "--model", str(tmp_path / "mlm"), "--json")
    assert code == 0, err
    assert json.loads(out)["unloaded_weights"] == "cls.predictions"


def test_a_t5_saved_encoder_only_loads_and_a_full_t5_lists_its_decoder(cli, tmp_path: Path) -> None:
    from transformers import T5EncoderModel

    from conftest import tiny_bpe

    full = save_tiny_model("t5_encoder", tmp_path / "t5", tiny_bpe())
    encoder_only = tmp_path / "t5-encoder-only"
    T5EncoderModel.from_pretrained(full).save_pretrained(encoder_only)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(full / name, encoder_only / name)
    assert json.loads((encoder_only / "config.json").read_text())["architectures"] == ["T5EncoderModel"]
    code, out, err = cli("lm", "info", "--model", str(encoder_only), "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert (facts["architecture"], facts["causal"], facts["unloaded_weights"]) == ("t5", False, "none")
    code, out, err = cli("lm", "info", "--model", str(full), "--json")
    assert code == 0 and json.loads(out)["unloaded_weights"].startswith("decoder.block"), err


def test_another_unexpected_tensor_is_refused(cli, tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    extra = _copy(tiny_gpt2_dir, tmp_path / "extra")
    tensors = load_file(extra / "model.safetensors")
    tensors["transformer.adapter.weight"] = torch.zeros(2, 2)
    save_file(tensors, extra / "model.safetensors", metadata={"format": "pt"})
    _one_line_refusal(cli, "lm", "info", "--model", str(extra), match="first: transformer.adapter.weight")


def test_weights_repaired_in_place_get_a_new_cache_key(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    import os

    from semphys.lm import load_lm
    from semphys.lm.cache import model_key

    model = _copy(tiny_gpt2_dir, tmp_path / "model")
    before = model_key(load_lm(str(model)).facts)
    weights = model / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-4:] = b"\x00\x00\x80\x3f"  # one weight changed, same size, same header
    weights.write_bytes(bytes(data))
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = model_key(load_lm(str(model)).facts)
    assert before != after
    assert model_key(load_lm(str(model)).facts) == after  # stable while the files stay as they are
