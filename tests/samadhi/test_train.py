"""Training: probes start at centroids and k-means centres, learned probes map to concepts, stage 2 lowers §3.4."""

import torch

from semphys.samadhi.baselines import concept_centroids
from semphys.samadhi.model import SamadhiModel
from semphys.samadhi.train import initial_probes


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
