"""Shared fixtures: one real run of the built-in suite on Gemma-3-270M and MiniLM, with a private cache."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from semphys.core.io import write_text_atomic
from semphys.evidence import check_document
from semphys.experiments.phase.plots import make_figures
from semphys.experiments.phase.results import SCHEMA_FILE, to_json
from semphys.experiments.phase.run import ModelRun, run_phase
from semphys.phase import BUILTIN, PhaseConfig, Suite

# Smaller null and bootstrap draws than the defaults: the run is shared by many tests and must be quick.
TEST_CONFIG = PhaseConfig(n_bootstrap=20, n_random_directions=30, n_label_shuffles=30, n_null_draws=50)


@pytest.fixture(scope="session")
def phase_config() -> PhaseConfig:
    return TEST_CONFIG


@pytest.fixture(scope="session")
def activation_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private activation cache root for the session (never the user's)."""
    return tmp_path_factory.mktemp("activations")


@dataclass
class BuiltinRun:
    """The shared run, in memory and written as `phase run` writes it (results.json and the figures)."""

    results: dict
    models: list[ModelRun]
    results_path: Path
    figures: dict[str, Path]


@pytest.fixture(scope="session")
def builtin_run(embedded, minilm, activation_root: Path, tmp_path_factory: pytest.TempPathFactory):
    """bank, bat, crane on both embedded models, end to end (results.json and figures)."""
    out = tmp_path_factory.mktemp("phase-run")
    run = run_phase(
        [embedded, minilm], Suite(tuple(BUILTIN.values()), "builtin"), TEST_CONFIG, cache_root=activation_root
    )
    check_document(run.results, SCHEMA_FILE)
    path = write_text_atomic(out / "results.json", to_json(run.results))
    return BuiltinRun(run.results, run.models, path, make_figures(run.results, out))
