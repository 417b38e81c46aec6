"""The activation cache: round trips, self-checking entries, atomic writes, one directory per model."""

import dataclasses
from pathlib import Path

import numpy as np

from semphys.lm import ModelFacts
from semphys.phase.cache import ActivationCache, Request, model_key

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
    cache.put(request, np.zeros((3, 4)))
    other = ActivationCache(dataclasses.replace(FACTS, d_model=8), "last", False, tmp_path)
    assert other.directory != cache.directory and other.get(request) is None


def test_model_key_is_file_safe_and_depends_on_the_facts() -> None:
    key = model_key(dataclasses.replace(FACTS, spec="org/some model"))
    assert key.startswith("some_model-") and "/" not in key
    assert model_key(FACTS) != model_key(dataclasses.replace(FACTS, n_params=101))
