"""Training: probes start at centroids and k-means centres, checkpoints round-trip, stage 2 lowers §3.4."""

import json

import torch

from semphys.core.jsondoc import check, schema_path
from semphys.samadhi import train
from semphys.samadhi.model import SamadhiModel
from semphys.samadhi.train import concept_centroids, initial_probes


def test_run_writes_both_variants_and_train_json(tiny_run) -> None:
    record = json.loads((tiny_run.out_dir / "train.json").read_text())
    assert set(record["checkpoints"]) == {"standard", "probe_specific"} and record["primary"] == "probe_specific"
    assert record["model_config"]["d_model"] == 32 and len(record["model_config"]["concept_labels"]) == 3
    assert record["data"]["counts"]["train"]["real"] == 30 and record["data"]["counts"]["valid"]["real"] == 12
    assert {"versions", "git", "command"} <= set(record)
    assert record["history"]["vitakka"][-1]["step"] == 29
    check(record, schema_path(train.__file__, "train"))


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


def test_learned_probes_map_to_concepts(tiny_run) -> None:
    model, _ = SamadhiModel.load(tiny_run.checkpoints["probe_specific"])
    mapping = model.probe_concept.tolist()
    assert mapping[:3] == [0, 1, 2]
    assert all(-1 <= m < 3 for m in mapping[3:])


def test_initial_probes_are_centroids_then_kmeans(tiny_run, tiny_configs) -> None:
    from semphys.lm import load_lm
    from semphys.samadhi.data import load_concept_data

    config, base = tiny_configs
    data = load_concept_data(load_lm(base.lm_spec), base.lm_layer, base.window, config)
    real = data.train.select("real")
    directions = initial_probes(data, 2, seed=0)
    assert directions.shape == (5, 32)
    means = real.mean_features()
    torch.testing.assert_close(directions[0], means[real.labels == 0].mean(dim=0))
    torch.testing.assert_close(concept_centroids(real, 3), directions[:3])


def test_stage_two_lowers_the_stability_loss(tiny_run) -> None:
    history = tiny_run.record["history"]["probe_specific"]
    assert history[-1]["total"] <= history[0]["total"]
