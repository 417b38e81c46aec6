"""Shared fixtures: the real WordNet and corpus (in the user's semphys cache), a private cache."""

from pathlib import Path

import pytest

from semphys.data import Corpus, WordNet, load_corpus, load_wordnet


@pytest.fixture(scope="session")
def wordnet() -> WordNet:
    """WordNet 3.0 from Debian's files (the nltk layout is built on first use)."""
    return load_wordnet()


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The WordNet corpus with the default split (valid_fraction 0.05, seed 0)."""
    return load_corpus()


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty semphys cache for this test only ($SEMPHYS_CACHE)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SEMPHYS_CACHE", str(cache))
    return cache
