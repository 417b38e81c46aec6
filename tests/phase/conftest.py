"""Shared fixtures: one real run of the built-in suite on Gemma-3-270M and MiniLM, with a private cache."""

from pathlib import Path

import pytest

from semphys.phase import BUILTIN, PhaseConfig, Suite, run_phase

# Smaller null and bootstrap draws than the defaults: the run is shared by many tests and must be quick.
TEST_CONFIG = PhaseConfig(n_bootstrap=20, n_random_directions=30, n_label_shuffles=30, n_null_draws=50)


@pytest.fixture(scope="session")
def phase_config() -> PhaseConfig:
    return TEST_CONFIG


@pytest.fixture(scope="session")
def activation_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private activation cache root for the session (never the user's)."""
    return tmp_path_factory.mktemp("activations")


@pytest.fixture(scope="session")
def builtin_run(embedded, minilm, activation_root: Path, tmp_path_factory: pytest.TempPathFactory):
    """bank, bat, crane on both embedded models, end to end (results.json and figures)."""
    out = tmp_path_factory.mktemp("phase-run")
    return run_phase([embedded, minilm], Suite(tuple(BUILTIN.values()), "builtin"), out, TEST_CONFIG,
                     cache_root=activation_root)
