"""The embedded model's safetensors cache: built once, verified on every load, rebuilt when damaged."""

import json
import shutil
from pathlib import Path

import pytest
import torch

from semphys.lm import LM
from semphys.lm.models import embedded as embedded_module
from semphys.lm.models.checksum import MANIFEST, verify_manifest

PROMPT_IDS = [[2, 236777, 2838, 684, 506, 8858, 4856]]  # "<bos>I sat by the river bank"


def _hidden(model: torch.nn.Module) -> torch.Tensor:
    with torch.inference_mode():
        out = model.base_model(input_ids=torch.tensor(PROMPT_IDS), output_hidden_states=True)
    return torch.stack(out.hidden_states)


def test_cache_is_complete_after_load(embedded: LM) -> None:
    path = embedded_module.embedded_cache_path()
    assert verify_manifest(path) is None
    manifest = json.loads((path / MANIFEST).read_text())
    assert "model.safetensors" in manifest["files"]
    assert manifest["gguf_sha256"] == "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
    # The tied LM head is not stored twice, and still ties to the embedding after loading.
    assert embedded.model.lm_head.weight.data_ptr() == embedded.body.embed_tokens.weight.data_ptr()


def _mirror_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache under a temporary SEMPHYS_CACHE whose files link to the real cache's files."""
    real = embedded_module.embedded_cache_path()
    monkeypatch.setenv("SEMPHYS_CACHE", str(tmp_path))
    mirror = embedded_module.embedded_cache_path()
    mirror.mkdir(parents=True)
    for file in real.iterdir():
        if file.name == MANIFEST:
            shutil.copy(file, mirror / file.name)
        else:
            (mirror / file.name).symlink_to(file)
    return mirror


@pytest.mark.parametrize("damage", ["checksum", "no-manifest"])
def test_damaged_cache_is_rebuilt_not_used(
    embedded: LM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, damage: str
) -> None:
    mirror = _mirror_cache(tmp_path, monkeypatch)
    good_manifest = (mirror / MANIFEST).read_text()
    if damage == "checksum":
        manifest = json.loads(good_manifest)
        manifest["files"]["model.safetensors"]["crc32"] = "00000000"
        (mirror / MANIFEST).write_text(json.dumps(manifest))
    else:
        (mirror / MANIFEST).unlink()
    rebuilds: list[Path] = []

    def fake_build(path: Path) -> None:  # stands in for the minute-long de-quantization
        rebuilds.append(path)
        (path / MANIFEST).write_text(good_manifest)

    monkeypatch.setattr(embedded_module, "build_embedded_cache", fake_build)
    model, _ = embedded_module.load_embedded()
    assert rebuilds == [mirror]
    assert "rebuilding the embedded model cache" in capsys.readouterr().err
    assert torch.equal(_hidden(model), _hidden(embedded.model))


@pytest.mark.slow
def test_cold_build_gives_bit_identical_model(embedded: LM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real first-use build (GGUF -> fp32 -> safetensors) in an empty cache, then a cached load."""
    monkeypatch.setenv("SEMPHYS_CACHE", str(tmp_path))
    built, tokenizer = embedded_module.load_embedded()
    assert verify_manifest(embedded_module.embedded_cache_path()) is None
    left = {p.name for p in embedded_module.embedded_cache_path().parent.glob(".*")}
    assert left == {f".{embedded_module.CACHE_NAME}.lock"}  # no temporary left; the empty single-flight lock stays
    cached, _ = embedded_module.load_embedded()
    reference = _hidden(embedded.model)
    assert torch.equal(_hidden(built), reference)
    assert torch.equal(_hidden(cached), reference)
    assert tokenizer("I sat by the river bank")["input_ids"] == PROMPT_IDS[0]


def test_fast_cached_tokenizer_matches_autotokenizer(embedded: LM) -> None:
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(embedded_module.embedded_cache_path())
    for text in ["I sat by the river bank", "  Hello\n\nworld  ", "naïve café 東京", "<bos> literal <pad>"]:
        ours, theirs = (
            embedded.tokenizer(text, return_offsets_mapping=True),
            reference(text, return_offsets_mapping=True),
        )
        assert ours["input_ids"] == theirs["input_ids"] and ours["offset_mapping"] == theirs["offset_mapping"]
    assert (embedded.tokenizer.bos_token_id, embedded.tokenizer.pad_token_id) == (2, 0)


def test_concurrent_first_loads_build_the_cache_once(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    start = context.Barrier(3)
    processes = [context.Process(target=_first_load, args=(tmp_path, start)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert (tmp_path / "builds").read_text() == "x"  # one build; the others waited and found it built


def _first_load(root: Path, start) -> None:
    import time

    from semphys.lm.models.embedded import single_flight

    cache = root / "cache"

    def build() -> None:
        time.sleep(0.5)  # long enough for the others to arrive and wait
        with open(root / "builds", "a") as handle:
            handle.write("x")
        cache.mkdir()

    start.wait()
    single_flight(root / ".cache.lock", lambda: not cache.is_dir(), build)
    assert cache.is_dir()
