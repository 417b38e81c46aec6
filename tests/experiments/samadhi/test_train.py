"""`samadhi train`: both variants' checkpoints and train.json (schema-checked) land; checkpoints round-trip."""

import json

import torch

from semphys.evidence import check_document
from semphys.experiments.samadhi.train import SCHEMA_FILE
from semphys.samadhi.model import SamadhiModel


def test_run_writes_both_variants_and_train_json(tiny_run) -> None:
    record = json.loads((tiny_run.out_dir / "train.json").read_text())
    assert set(record["checkpoints"]) == {"standard", "probe_specific"} and record["primary"] == "probe_specific"
    assert record["model_config"]["d_model"] == 32 and len(record["model_config"]["concept_labels"]) == 3
    assert record["data"]["counts"]["train"]["real"] == 30 and record["data"]["counts"]["valid"]["real"] == 12
    assert {"versions", "git", "command"} <= set(record)
    assert record["history"]["vitakka"][-1]["step"] == 29
    check_document(record, SCHEMA_FILE)


def test_checkpoint_round_trip_gives_the_same_outputs(tiny_run, tiny_configs) -> None:
    path = tiny_run.checkpoints["probe_specific"]
    first, ckpt = SamadhiModel.load(path)
    second, _ = SamadhiModel.load(path, expected=ckpt.config)
    x = torch.randn(3, 5, 32)
    mask = torch.ones(3, 5, dtype=torch.bool)
    a, b = first.infer(x, mask), second.infer(x, mask)
    torch.testing.assert_close(a.s_final, b.s_final)
    torch.testing.assert_close(a.vitakka.scores, b.vitakka.scores)
    assert ckpt.extra["variant"] == "probe_specific"
    # the variants share stage 1: same probes and read-in, different refiners
    standard, _ = SamadhiModel.load(tiny_run.checkpoints["standard"])
    torch.testing.assert_close(standard.vitakka.probes, first.vitakka.probes)
    assert standard.vicara.w1.shape[0] == 1 and first.vicara.w1.shape[0] == ckpt.config.n_probes
