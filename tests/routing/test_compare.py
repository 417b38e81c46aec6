"""semphys.routing.compare and the CLI: a tiny comparison end to end, resume, summaries, errors."""

import dataclasses
import json

import pytest

from semphys.errors import UserError
from semphys.routing.compare import CompareConfig, run_compare, summarise
from semphys.routing.lm import RoutingLMConfig
from semphys.routing.moe import MoEConfig
from semphys.textlm.data import DataConfig
from semphys.textlm.train import TrainConfig


def _tiny(variants=("dense", "softmax", "omega_shuffled"), seeds=(0,)) -> CompareConfig:
    return CompareConfig(variants=variants, seeds=seeds, data=DataConfig(max_train_tokens=4000, max_valid_tokens=1500),
                         model=RoutingLMConfig(d_model=16, n_heads=2, max_seq_len=16, moe=MoEConfig(n_experts=4, d_ff_expert=8)),
                         train=TrainConfig(steps=3, batch_size=4, seq_len=16, checkpoint_every=3), metric_windows=20)


def test_tiny_comparison_measures_every_figure_and_resumes(tmp_path):
    result = run_compare(_tiny(), tmp_path, progress=False)
    by_variant = {r["variant"]: r for r in result["runs"]}
    assert by_variant["dense"]["load_cv"] is None and by_variant["dense"]["layers"] == []
    for variant in ("softmax", "omega_shuffled"):
        run = by_variant[variant]
        for key in ("val_ppl", "load_cv", "load_entropy", "dropped", "mi_bits", "mi_excess", "sensitivity_token_at",
                    "sensitivity_token_after", "sensitivity_origin", "tokens_per_second"):
            assert run[key] is not None, (variant, key)
        assert len(run["layers"]) == 2 and sum(map(sum, run["layers"][0]["origin_expert"])) == 20 * 16
    assert by_variant["softmax"]["sensitivity_origin"] == 0.0  # reads no origin
    assert by_variant["softmax"]["params_active"] < by_variant["softmax"]["params_total"]
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["summary"]["softmax"]["val_ppl"]["n"] == 1
    again = run_compare(_tiny(), tmp_path, progress=False)  # every run is on disk: nothing retrains
    assert [r["val_ppl"] for r in again["runs"]] == [r["val_ppl"] for r in result["runs"]]
    with pytest.raises(UserError, match="another config"):
        run_compare(dataclasses.replace(_tiny(), metric_windows=10), tmp_path, progress=False)


def test_summary_gives_mean_and_sample_spread():
    runs = [{"variant": "omega", "val_ppl": v, "params_total": 10, "params_active": 5} for v in (10.0, 12.0, 14.0)]
    summary = summarise(runs, ("omega",))["omega"]
    assert summary["val_ppl"] == {"mean": 12.0, "std": 2.0, "n": 3, "values": [10.0, 12.0, 14.0]}
    assert summary["load_cv"] is None and summary["params_active"] == 5


@pytest.mark.parametrize("args, fragment", [
    (["--variants", "omega,moe"], "unknown variant moe"),
    (["--n-experts", "1", "--top-k", "2"], "n_experts (1) must be at least top_k (2)"),
    (["--seeds", "0"], "--seeds must be at least 1"),
])
def test_cli_errors_are_one_line_with_exit_2(cli, tmp_path, args, fragment):
    code, _, err = cli("routing", "compare", "--out", str(tmp_path), *args)
    assert code == 2 and "Traceback" not in err
    assert fragment in err and err.count("error: ") == 1
