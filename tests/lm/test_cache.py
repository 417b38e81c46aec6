"""The activation cache: round trips, self-checking entries, atomic writes, one directory per model."""

import dataclasses
from pathlib import Path

import numpy as np

from semphys.lm import ModelFacts
from semphys.lm.cache import ActivationCache, Request, model_key

FACTS = ModelFacts(
    spec="tiny",
    architecture="gpt2",
    n_layers=2,
    d_model=4,
    n_heads=2,
    n_kv_heads=2,
    d_head=2,
    causal=True,
    max_positions=64,
    vocab_size=10,
    n_params=100,
    n_params_non_embedding=50,
    source="x",
)


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
    cache.path(request).write_bytes(
        save({"resid": np.zeros((3, 4), np.float32)}, metadata=cache._meta(request, cache.layers))
    )
    assert cache.get(request) is None and cache.damaged == [cache.path(request)]


def test_an_all_layer_entry_keeps_the_key_it_had_before_layer_subsets() -> None:
    import hashlib
    import json

    request = Request("The bank", "bank")
    old_meta = {"prompt": "The bank", "target": "bank", "pooling": "last", "final_norm": "false"}
    digest = hashlib.sha256(json.dumps(old_meta, sort_keys=True).encode()).hexdigest()
    for layers in (None, (0, 1, 2)):  # every index is "all layers"
        cache = ActivationCache(FACTS, "last", False, Path("/nonexistent"), layers=layers)
        assert cache.path(request).name == f"{digest}.safetensors" and cache.layers is None


def test_a_subset_reads_its_own_entry_or_slices_the_full_one_and_never_the_reverse(tmp_path: Path) -> None:
    request = Request("The bank", "bank")
    full = ActivationCache(FACTS, "last", False, tmp_path)
    ends = ActivationCache(FACTS, "last", False, tmp_path, layers=(0, 2))
    lower = ActivationCache(FACTS, "last", False, tmp_path, layers=(0, 1))
    subset_vectors = np.ones((2, 4), np.float32)
    ends.put(request, subset_vectors)
    assert full.get(request) is None and lower.get(request) is None  # neither the full set nor another subset
    assert np.array_equal(ends.get(request), subset_vectors)
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    full.put(request, vectors)
    assert np.array_equal(full.get(request), vectors)
    assert np.array_equal(lower.get(request), vectors[[0, 1]])  # sliced from the full entry
    assert np.array_equal(ends.get(request), subset_vectors)  # its own entry first
    assert ends.path(request) != full.path(request) != lower.path(request)


def test_a_cache_refuses_a_layer_set_outside_the_model() -> None:
    import pytest

    for layers in ((0, 3), (2, 1), (1, 1), ()):
        with pytest.raises(ValueError, match="strictly ascending within 0..2"):
            ActivationCache(FACTS, "last", False, Path("/nonexistent"), layers=layers)


def test_a_full_disk_is_a_warning_and_the_run_goes_on_uncached(tmp_path: Path, monkeypatch, capsys) -> None:
    import errno

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    cache = ActivationCache(FACTS, "last", False, tmp_path)
    assert cache.put(Request("The bank", "bank"), np.zeros((3, 4), np.float32)) is None
    assert cache.put(Request("The bat", "bat"), np.zeros((3, 4), np.float32)) is None
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "full" in err and "without caching" in err
    assert cache.get(Request("The bank", "bank")) is None


def test_a_killed_writer_s_temporary_entries_are_removed_by_the_next_write(tmp_path: Path) -> None:
    cache = ActivationCache(FACTS, "last", False, tmp_path)
    cache.directory.mkdir(parents=True)
    dead = cache.directory / ".0123abcd.safetensors.999999999.tmp"
    dead.write_bytes(b"half")
    users = cache.directory / "notes.tmp"  # not a name the cache writes
    users.write_bytes(b"mine")
    cache.put(Request("The bank", "bank"), np.zeros((3, 4), np.float32))
    assert not dead.exists() and users.exists()
