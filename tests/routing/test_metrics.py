"""semphys.routing.metrics: load, MI and sensitivity against closed forms and constructions."""

import math

import numpy as np
import pytest
import torch

from semphys.routing.lm import RoutingLM, RoutingLMConfig
from semphys.routing.metrics import layer_routing, load_statistics, mutual_information, routing_decisions, sensitivity
from semphys.routing.moe import MoEConfig
from semphys.textlm.batches import Batch


def test_load_statistics_balanced_and_collapsed():
    load, cv, entropy = load_statistics(torch.tensor([[0, 1], [2, 3]]), 4)
    assert load == [0.25] * 4 and cv == pytest.approx(0.0) and entropy == pytest.approx(1.0)
    load, cv, entropy = load_statistics(torch.zeros(5, 1, dtype=torch.long), 4)
    assert load == [1.0, 0, 0, 0] and entropy == pytest.approx(0.0) and cv == pytest.approx(math.sqrt(3))


def test_mutual_information_zero_for_independence_and_log_e_for_a_bijection():
    labels = np.repeat(np.arange(4), 100)
    assert mutual_information(labels, labels, 4, 4) == pytest.approx(2.0)  # log2(4) bits
    independent = np.tile(np.arange(4), 100)  # every label meets every expert equally often
    assert mutual_information(labels, independent, 4, 4) == pytest.approx(0.0, abs=1e-12)


def test_layer_routing_subtracts_the_permutation_null():
    from semphys.routing.moe import RoutingStats

    rng = np.random.default_rng(0)
    origins = torch.from_numpy(rng.integers(0, 8, 2000))
    experts = torch.stack([origins % 4, (origins + 1) % 4], dim=1)  # first choice determined by origin
    stats = RoutingStats(torch.full((2000, 4), 0.25), experts, torch.ones(2000, 2, dtype=torch.bool), 1.0, 0.0)
    layer = layer_routing([stats], origins, 8, 4, null_shuffles=5)
    assert layer.mi_bits == pytest.approx(2.0, abs=0.01) and layer.mi_null_bits < 0.02
    assert layer.mi_excess == pytest.approx(layer.mi_bits - layer.mi_null_bits) and layer.dropped == 0.0
    assert np.array(layer.origin_expert).sum() == 2000


def _windows() -> Batch:
    torch.manual_seed(1)
    ids = torch.randint(0, 100, (6, 12))
    return Batch(ids, torch.roll(ids, -1, 1), torch.randint(0, 45, (6, 12)))


def _model(variant: str) -> RoutingLM:
    torch.manual_seed(0)
    return RoutingLM(RoutingLMConfig(variant=variant, vocab_size=100, d_model=16, n_heads=2, max_seq_len=16,
                                     moe=MoEConfig(n_experts=4, top_k=1, d_ff_expert=8)))


def test_sensitivity_is_zero_where_the_router_cannot_see_the_change():
    windows = _windows()
    assert sensitivity(_model("dense"), windows, 100, 45) == {"token_at": 0.0, "token_after": 0.0, "origin": 0.0}
    blind = sensitivity(_model("softmax"), windows, 100, 45)
    assert blind["origin"] == 0.0 and blind["token_at"] > 0.0  # the token it routes changed
    seeing = sensitivity(_model("omega"), windows, 100, 45)
    assert seeing["origin"] > 0.0


def test_routing_decisions_cover_every_token_per_layer():
    per_layer = routing_decisions(_model("omega"), _windows(), batch_size=4)
    assert len(per_layer) == 2 and sum(s.experts.shape[0] for s in per_layer[0]) == 6 * 12
