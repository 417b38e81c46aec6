"""`cvfp compare` and semphys.cvfp.claims: a tiny multi-seed comparison, and the claims' known
negatives and positives."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from semphys.cvfp.claims import cvfp_claims
from semphys.evidence import check_claims, check_document, seed_floor
from semphys.experiments.base import execute
from semphys.experiments.cvfp.compare import COMMAND, SCHEMA_FILE, CVFPCompareConfig, run
from semphys.experiments.cvfp.eval import Measurement
from tests.experiments.cvfp.test_train import _tiny


def _run(seed: int, ppl: float, gru: float, identity: float = 0.3, share: float = 0.7) -> dict:
    return {
        "seed": seed,
        "val_ppl": ppl,
        "baselines": {"unigram": 600.0, "bigram": 78.0, "gru": gru, "transformer": 100.0},
        "identity_cos": identity,
        "token_variance_share": share,
    }


def _rows(runs, repeat=None) -> dict:
    return {c.key: c for c in cvfp_claims(runs, repeat)}


def test_cvfp_equal_to_the_gru_plus_noise_is_not_better() -> None:
    """Known negative: per-seed perplexities equal to the GRU's plus noise of either sign (half of the seeds each
    way: a draw of independent noise would put all 8 below by chance once in 256 runs of this test)."""
    rng = np.random.default_rng(0)
    gru = 67 + rng.normal(0, 3, 8)
    noise = np.abs(rng.normal(0, 0.5, 8)) * np.array([1, -1] * 4)
    rows = _rows([_run(s, g + e, g) for s, (g, e) in enumerate(zip(gru, noise))])
    assert rows["cvfp_vs_gru"].holds is False and rows["cvfp_vs_gru"].p_floor == 1 / 256


def test_cvfp_better_on_every_seed_holds() -> None:
    """Known positive: 5 points better than the GRU on each of 8 seeds."""
    rng = np.random.default_rng(1)
    gru = 67 + rng.normal(0, 3, 8)
    rows = _rows([_run(s, g - 5 + rng.normal(0, 0.5), g) for s, g in enumerate(gru)])
    assert rows["cvfp_vs_gru"].holds is True and rows["cvfp_vs_gru"].p == 1 / 256
    assert rows["cvfp_vs_transformer"].holds is True and rows["cvfp_vs_bigram"].holds is True


def test_one_seed_cannot_hold_and_the_floor_says_so() -> None:
    """The README's single run: 62.2 against the GRU's 67.4 is no evidence (p floor 1/2)."""
    claims = cvfp_claims([_run(0, 62.2, 67.4)], None)
    assert next(c for c in claims if c.key == "cvfp_vs_gru").holds is False
    floor = seed_floor(claims, 1)
    assert floor["p_floor"] == 0.5 and not floor["rows_can_hold"] and "no paired row can hold" in floor["note"]


def test_collapse_and_determinism_checks() -> None:
    runs = [_run(0, 60.0, 67.0), _run(1, 61.0, 66.0)]
    rows = _rows(runs, repeat=_run(0, 60.0, 67.0))
    assert rows["identity_cos"].holds is True and rows["token_variance_share"].holds is True
    assert rows["repeat_same"].kind == "check" and rows["repeat_same"].holds is True
    assert rows["seeds_differ"].holds is True
    rows = _rows([_run(0, 60.0, 67.0, identity=0.98), _run(1, 61.0, 66.0, share=0.01)], repeat=_run(0, 60.5, 67.0))
    assert rows["identity_cos"].holds is False and rows["token_variance_share"].holds is False  # collapsed
    assert rows["repeat_same"].holds is False  # not reproducible
    rows = _rows([_run(0, 60.0, 67.0), _run(1, 60.0, 66.0)], repeat=_run(0, 60.0, 67.0))
    assert rows["seeds_differ"].holds is False  # the seed changed nothing: the repeat proves nothing


def test_a_tiny_comparison_end_to_end(tmp_path) -> None:
    config = CVFPCompareConfig(
        tmp_path, run=_tiny(), seeds=(0, 1), evaluation=Measurement(passes=2, diagnostic_tokens=200, speed_tokens=100)
    )
    document = execute(COMMAND, config, run).document
    saved = json.loads((tmp_path / "compare.json").read_text())
    assert saved == document
    check_document(saved, SCHEMA_FILE)
    assert check_claims(saved) == len(saved["claims"])
    rows = {row["key"]: row for row in saved["claims"]}
    assert rows["repeat_same"]["holds"] is True and rows["repeat_same"]["value"] == 0.0  # same seed, same numbers
    assert rows["seeds_differ"]["holds"] is True
    assert saved["seed_floor"]["n_seeds"] == 2 and not saved["seed_floor"]["rows_can_hold"]
    assert (tmp_path / "seed0-repeat" / "eval.json").is_file() and (tmp_path / "seed1" / "eval.json").is_file()


def test_only_the_predictive_method_is_compared() -> None:
    from semphys.core.errors import UserError

    with pytest.raises(UserError, match="predictive"):
        CVFPCompareConfig(Path("unused"), run=dataclasses.replace(_tiny(), method="spec"))
