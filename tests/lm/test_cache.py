"""The activation cache: round trips, self-checking entries, atomic writes, one directory per model."""

import dataclasses
from pathlib import Path

import numpy as np

from semphys.lm import ModelFacts
from semphys.lm.cache import ActivationCache, Request, model_key

FACTS = ModelFacts(spec="tiny", architecture="gpt2", n_layers=2, d_model=4, n_heads=2, n_kv_heads=2, d_head=2,
                   causal=True, max_positions=64, vocab_size=10, n_params=100, n_params_non_embedding=50, source="x")


def test_round_trip_and_request_identity(tmp_path: Path) -> None:
    cache = ActivationCache(FACTS, "last", False, tmp_path)
    request = Request("The bank", "bank")
    assert cache.get(request) is None
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.put(request, vectors)
    assert np.array_equal(cache.get(request), vectors)
    assert cache.get(Request("The bank", "Bank")) is None
    assert ActivationCache(FACTS, "mean", False, tmp_path).get(request) is None  # pooling is part of the key
    assert not list(cache.directory.glob(".*tmp"))  # no temporary file left behind


def test_damaged_or_foreign_entries_are_misses(tmp_path: Path) -> None:
    cache = ActivationCache(FACTS, "last", False, tmp_path)
    request = Request("The bat", "bat")
    cache.put(request, np.zeros((3, 4)))
    cache.path(request).write_bytes(b"not safetensors")
    assert cache.get(request) is None
    assert cache.damaged == [cache.path(request)]
    cache.put(request, np.zeros((3, 4)))
    other = ActivationCache(dataclasses.replace(FACTS, d_model=8), "last", False, tmp_path)
    assert other.directory != cache.directory and other.get(request) is None


def test_model_key_is_file_safe_and_depends_on_the_facts() -> None:
    key = model_key(dataclasses.replace(FACTS, spec="org/some model"))
    assert key.startswith("some_model-") and "/" not in key
    assert model_key(FACTS) != model_key(dataclasses.replace(FACTS, n_params=101))


def test_a_flipped_byte_is_detected_and_the_entry_recomputed(tmp_path: Path) -> None:
    """64 flipped bytes inside the float data changed sigma by 0.6 before entries were checksummed."""
    cache = ActivationCache(FACTS, "last", False, tmp_path)
    request = Request("The crane", "crane")
    vectors = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    path = cache.put(request, vectors)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x40  # one bit of the last float, still a valid safetensors file
    path.write_bytes(bytes(data))
    assert cache.get(request) is None and cache.damaged == [path]
    cache.put(request, vectors)
    assert np.array_equal(cache.get(request), vectors)


def test_an_entry_written_without_a_checksum_is_a_miss(tmp_path: Path) -> None:
    from safetensors.numpy import save

    cache = ActivationCache(FACTS, "last", False, tmp_path)
    request = Request("The bank", "bank")
    cache.path(request).parent.mkdir(parents=True, exist_ok=True)
    cache.path(request).write_bytes(save({"resid": np.zeros((3, 4), np.float32)}, metadata=cache._meta(request)))
    assert cache.get(request) is None and cache.damaged == [cache.path(request)]
