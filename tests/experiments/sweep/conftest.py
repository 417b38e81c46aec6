"""Sweep specs shared by the sweep tests: cheap phase settings, so words cost little beyond capture."""

from pathlib import Path

import pytest

CHEAP_PHASE = """phase:
  n_bootstrap: 0
  n_label_shuffles: 8
  n_random_directions: 8
  n_null_draws: 20
  fit_starts: 1
"""
"""Every experiment runs; the bootstrap and the nulls are small (the sweep tests check bookkeeping)."""


def write_spec(directory: Path, body: str, name: str = "sweep.yaml") -> Path:
    path = directory / name
    path.write_text(body)
    return path


@pytest.fixture()
def small_spec(tmp_path: Path) -> Path:
    """Two built-in words on MiniLM, two direction modes: four phase jobs and one QK job."""
    return write_spec(
        tmp_path,
        "models: [minilm]\nwords: {names: [bank, bat]}\n"
        + CHEAP_PHASE
        + "  primary_mode: [per-layer, final]\nbatch_words: 2\n",
    )
