"""semphys.routing.metrics: load, MI and sensitivity against closed forms and constructions."""

import math

import numpy as np
import pytest
import torch

from semphys.routing.metrics import layer_routing, load_statistics, mutual_information, routing_decisions, sensitivity
from semphys.routing.moe_lm import RoutingLM
from semphys.textlm.batches import Batch
from tests.routing.tiny import tiny_model


def test_load_statistics_balanced_and_collapsed():
    load, cv, entropy = load_statistics(torch.tensor([[0, 1], [2, 3]]), 4)
    assert load == [0.25] * 4 and cv == pytest.approx(0.0) and entropy == pytest.approx(1.0)
    load, cv, entropy = load_statistics(torch.zeros(5, 1, dtype=torch.long), 4)
    assert load == [1.0, 0, 0, 0] and entropy == pytest.approx(0.0) and cv == pytest.approx(math.sqrt(3))


def test_load_statistics_of_an_uneven_assignment_by_hand():
    load, cv, entropy = load_statistics(torch.tensor([[0], [0], [0], [1]]), 2)
    # load (3/4, 1/4): std 1/4 over mean 1/2; entropy -(3/4 ln 3/4 + 1/4 ln 1/4) / ln 2
    assert load == [0.75, 0.25] and cv == pytest.approx(0.5)
    assert entropy == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(2))


def test_dropped_share_counts_the_assignments_capacity_refused():
    from semphys.routing.moe import MoEConfig, MoEFFN, RoutingStats

    kept = torch.tensor([[True, False], [True, True], [False, True], [True, True]])
    stats = RoutingStats(torch.full((4, 4), 0.25), torch.tensor([[0, 1], [0, 2], [0, 1], [3, 2]]), kept, 1.0, 0.0)
    assert layer_routing([stats], torch.zeros(4, dtype=torch.long), 1, 4, null_shuffles=1).dropped == 2 / 8
    # a real layer: every token's logits favour expert 0; capacity ceil(1.0 x 6 x 1 / 2) = 3 of 6 fit
    layer = MoEFFN(3, MoEConfig(n_experts=2, top_k=1, capacity_factor=1.0, use_origin=False))
    with torch.no_grad():
        layer.router.W_gate.weight.copy_(torch.tensor([[5.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    out = layer(torch.tensor([[[1.0, 0.2, -0.3]] * 6]))
    assert (
        out.stats.experts.reshape(-1).tolist() == [0] * 6
        and out.stats.kept.reshape(-1).tolist() == [True] * 3 + [False] * 3
    )
    assert layer_routing([out.stats], torch.zeros(6, dtype=torch.long), 1, 2, null_shuffles=1).dropped == 0.5


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


def _windows(n: int = 6) -> Batch:
    torch.manual_seed(1)
    ids = torch.randint(0, 100, (n, 12))
    return Batch(ids, torch.roll(ids, -1, 1), torch.randint(0, 45, (n, 12)))


def _model(variant: str) -> RoutingLM:
    torch.manual_seed(0)
    return RoutingLM(tiny_model(variant, top_k=1))


def _origin_dominated(variant: str) -> RoutingLM:
    """A softmax-routed tiny model whose gate reads dims 0-3, and whose origin vectors (if read) are
    100 on dim (origin mod 4): a router that reads the origin sends every token to expert origin mod 4."""
    model = _model(variant)
    with torch.no_grad():
        if model.origin_embedding is not None:
            table = torch.zeros(45, 16)
            table[torch.arange(45), torch.arange(45) % 4] = 100.0
            model.origin_embedding.weight.copy_(table)
        for block in model.body.blocks:
            gate = torch.zeros(4, 16)
            gate[torch.arange(4), torch.arange(4)] = 1.0
            block.ffn.router.W_gate.weight.copy_(gate)
    return model


def test_mi_is_log2_4_for_a_router_that_reads_the_origin_and_null_level_for_one_that_does_not():
    torch.manual_seed(2)
    ids = torch.randint(0, 100, (32, 12))
    windows = Batch(ids, torch.roll(ids, -1, 1), torch.randint(0, 8, (32, 12)))
    origins = windows.origins.reshape(-1)
    reading = [
        layer_routing(s, origins, 45, 4) for s in routing_decisions(_origin_dominated("softmax_origin"), windows)
    ]
    blind = [layer_routing(s, origins, 45, 4) for s in routing_decisions(_origin_dominated("softmax"), windows)]
    for layer in reading:  # expert = origin mod 4 over origins 0..7: MI = H(origin mod 4) = 2 bits
        counts = np.array(layer.origin_expert)
        assert (counts[np.arange(8), np.arange(8) % 4] == counts[:8].sum(axis=1)).all()
        assert layer.mi_bits == pytest.approx(2.0, abs=0.02) and layer.mi_excess > 1.85
    for layer in blind:  # the same gate on the token alone: MI at the permutation null's level
        assert abs(layer.mi_excess) < 0.1 and layer.mi_bits < 0.3


def test_sensitivity_is_zero_where_the_router_cannot_see_the_change_and_high_where_the_origin_decides():
    windows = _windows(32)
    assert sensitivity(_model("dense"), windows, 100, 45) == {"token_at": 0.0, "token_after": 0.0, "origin": 0.0}
    blind = sensitivity(_origin_dominated("softmax"), windows, 100, 45)
    assert blind["origin"] == 0.0 and blind["token_at"] > 0.3  # routed by the token alone
    seeing = sensitivity(_origin_dominated("softmax_origin"), windows, 100, 45)
    # expert = origin mod 4: a new origin moves a token unless the shift keeps the residue (about 1 in 4)
    assert seeing["origin"] > 0.6 and seeing["token_at"] == 0.0 and seeing["token_after"] == 0.0


def test_routing_decisions_cover_every_token_per_layer():
    per_layer = routing_decisions(_model("omega"), _windows(), batch_size=4)
    assert len(per_layer) == 2 and sum(s.experts.shape[0] for s in per_layer[0]) == 6 * 12
