"""Tiny random models of every architecture in `tiny_models.BUILDERS`, built once per session on first use."""

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import tiny_bpe  # tests/conftest.py (pytest puts tests/ on sys.path)
from tests.lm.tiny_models import save_tiny_model


@pytest.fixture(scope="session")
def tiny_arch_dir(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`tiny_arch_dir(name) -> directory` of the saved tiny model `name` (3 layers, d_model 64)."""
    root = tmp_path_factory.mktemp("tiny-architectures")
    bpe = tiny_bpe()
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = save_tiny_model(name, root / name, bpe)
        return built[name]

    return get


@pytest.fixture(scope="session")
def tiny_arch(tiny_arch_dir):
    """`tiny_arch(name) -> LM`, loaded once per session with `load_lm(directory)` as a user would."""
    from semphys.lm import load_lm

    loaded = {}

    def get(name: str):
        if name not in loaded:
            loaded[name] = load_lm(str(tiny_arch_dir(name)))
        return loaded[name]

    return get
