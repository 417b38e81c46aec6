"""A tiny Samadhi run shared by the tests: a 2-layer random GPT-2 (d 32) reads real WordNet windows.

The token-state cache goes to a temporary directory, so the tests neither read nor fill the user's.
The command tests (tests/experiments/samadhi) import these fixtures from here.
"""

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import save_tiny_gpt2  # tests/conftest.py (pytest puts tests/ on sys.path)

TINY_TRAIN = dict(
    n_concepts=3,
    train_per_concept=10,
    valid_per_concept=4,
    noise_fraction=0.5,
    vitakka_steps=30,
    vicara_steps=8,
    batch_size=16,
    train_unroll=4,
    seed=0,
)


@pytest.fixture(scope="session")
def long_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny GPT-2 with 1024 positions: its 300-token vocabulary spells WordNet glosses out in many tokens."""
    return save_tiny_gpt2(tmp_path_factory.mktemp("long-gpt2"), n_positions=1024)


@pytest.fixture(scope="session")
def feature_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("samadhi-cache")


@pytest.fixture(autouse=True)
def _private_feature_cache(feature_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("semphys.samadhi.data.cache_dir", lambda *parts: feature_cache)


@pytest.fixture(scope="session")
def tiny_configs(long_gpt2_dir: Path):
    from semphys.samadhi.config import SamadhiConfig, SamadhiTrainConfig

    base = SamadhiConfig(lm_spec=str(long_gpt2_dir), lm_layer=1, window=12, n_learned=2, refiner_hidden=8)
    return SamadhiTrainConfig(**TINY_TRAIN), base


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory, tiny_configs, feature_cache: Path):
    """A trained run directory (both variants): `out_dir`, `checkpoints` (variant -> path), `record` (train.json)."""
    from semphys.experiments.base import execute
    from semphys.experiments.samadhi.train import COMMAND, TrainConfig, run

    config, base = tiny_configs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("semphys.samadhi.data.cache_dir", lambda *parts: feature_cache)
        out = tmp_path_factory.mktemp("tiny-run")
        result = execute(COMMAND, TrainConfig(out, config, base, progress=False), run)
        return SimpleNamespace(
            out_dir=out, checkpoints={v: out / name for v, name in result.checkpoints.items()}, record=result.record
        )


@pytest.fixture(scope="session")
def tiny_eval(tiny_run, feature_cache: Path) -> dict:
    from semphys.experiments.samadhi.eval import EvalConfig, run

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("semphys.samadhi.data.cache_dir", lambda *parts: feature_cache)
        result = run(EvalConfig(tiny_run.out_dir, figures=False))
        result.save(tiny_run.out_dir)
        return result.document


def variant_config(base, variant: str):
    return replace(base, vicara_type=variant)
