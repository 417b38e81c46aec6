"""run_phase end to end on both embedded models; a re-run forwards nothing and reproduces the numbers."""

import dataclasses
import json
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.phase import BUILTIN, PhaseConfig, Suite, run_phase


def test_each_distinct_prompt_forwarded_once(builtin_run) -> None:
    for model in builtin_run.models:
        capture = model.capture
        assert capture.n_forwarded + capture.n_cached == capture.n_distinct < capture.n_requests


def test_rerun_reads_the_cache_and_gives_the_same_results(builtin_run, embedded, minilm, activation_root: Path,
                                                          phase_config, tmp_path: Path) -> None:
    config = dataclasses.replace(phase_config, qk_pca=False)  # exp. 6 reads weights, not activations
    again = run_phase([embedded, minilm], Suite(tuple(BUILTIN.values()), "builtin"), tmp_path, config,
                      cache_root=activation_root, figures=False)
    assert all(m.capture.n_forwarded == 0 for m in again.models)
    first = json.loads(builtin_run.results_path.read_text())
    second = json.loads(again.results_path.read_text())
    # the measurements agree; p_adjusted and holds differ only because Holm's family lost the projection's
    rows = lambda doc: [{k: v for k, v in c.items() if k not in ("p_adjusted", "holds", "outcome")}  # noqa: E731
                        for c in doc["claims"] if not c["key"].startswith("qk_projection")]
    assert rows(first) == rows(second)
    assert first["models"]["embedded"]["words"]["bat"]["prompts"] == second["models"]["embedded"]["words"]["bat"]["prompts"]


def test_strong_prompts_sign_check_and_universality_measured(builtin_run) -> None:
    doc = builtin_run.results
    ratios = doc["universality"][doc["primary_variant"]]["ratios"]
    assert set(ratios) == {"embedded", "minilm"} and all(0 <= r <= 1 for r in ratios.values())
    for spec, model in doc["models"].items():
        assert model["sign_accuracy"]["standardised"]["accuracy"]["strong_seeing_context"]["fraction"] >= 0.8, spec


def test_bad_runs_are_user_errors(tiny_gpt2, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no model given"):
        run_phase([], Suite((BUILTIN["bank"],), "builtin"), tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="cannot create output directory|not a directory"):
        run_phase([tiny_gpt2], Suite((BUILTIN["bank"],), "builtin"), tmp_path / "file" / "out", PhaseConfig(n_bootstrap=0))
