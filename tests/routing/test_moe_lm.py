"""semphys.routing.moe_lm: one body, the FFN swapped; equal active parameters; shared origin table."""

import dataclasses

import pytest
import torch

from semphys.core.errors import UserError
from semphys.routing.moe import MoEConfig
from semphys.routing.moe_lm import RoutingLM, RoutingLMConfig
from semphys.routing.variants import VARIANTS
from tests.routing.tiny import tiny_model


def _config(variant: str) -> RoutingLMConfig:
    return tiny_model(variant)


def test_every_variant_runs_and_reports_routing_where_it_routes():
    ids = torch.randint(0, 100, (2, 10))
    origins = torch.randint(0, 45, (2, 10))
    for variant in VARIANTS:
        out = RoutingLM(_config(variant))(ids, origins)
        assert out.logits.shape == (2, 10, 100)
        routed = [s for s in out.layer_stats if s is not None]
        assert len(routed) == (0 if variant == "dense" else 2), variant
        assert (float(out.aux_loss.detach()) > 0) == (variant != "dense")


def test_active_parameters_match_the_dense_model_up_to_the_router():
    dense = RoutingLM(_config("dense"))
    softmax = RoutingLM(_config("softmax"))
    omega = RoutingLM(_config("omega"))
    # Two active experts of width 8 have the dense FFN's width 16, plus one more output bias (16) per layer.
    extra_bias = 2 * 16
    router_softmax = 2 * 16 * 4  # two layers of W_gate
    assert softmax.active_parameters() - dense.active_parameters() == router_softmax + extra_bias
    router_omega = 2 * (3 * (16 * 16 + 16) + 16 * 4) + 45 * 16  # W_origin, W_fire, W_res, W_proj; origin table
    assert omega.active_parameters() - dense.active_parameters() == router_omega + extra_bias
    total_minus_active = sum(p.numel() for p in softmax.parameters()) - softmax.active_parameters()
    assert total_minus_active == 2 * 2 * (2 * 16 * 8 + 8 + 16)  # two idle experts per layer


def test_the_matched_omega_router_has_the_width_of_the_expert_count():
    matched = RoutingLM(_config("omega_matched"))
    dense = RoutingLM(_config("dense"))
    router = 2 * (2 * (16 * 4 + 4) + (4 * 4 + 4) + 4 * 4) + 45 * 16  # W_origin, W_fire 16->4, W_res 4->4, W_proj
    assert matched.active_parameters() - dense.active_parameters() == router + 2 * 16
    assert matched.body.blocks[0].ffn.router.W_res.weight.shape == (4, 4)


def test_origin_table_is_shared_by_the_layers_and_absent_when_unused():
    omega = RoutingLM(_config("omega"))
    tables = {id(block.ffn.origin_embedding) for block in omega.body.blocks}
    assert tables == {id(omega.origin_embedding)}
    assert RoutingLM(_config("omega_no_origin")).origin_embedding is None


def test_unknown_variant_and_bad_expert_counts_are_refused():
    with pytest.raises(UserError, match="variant: unknown value 'omega2'"):
        RoutingLMConfig(variant="omega2")
    with pytest.raises(UserError, match="must be at least top_k"):
        RoutingLMConfig(variant="dense", moe=MoEConfig(n_experts=1, top_k=2))


def test_the_dense_width_follows_the_experts_and_a_mismatch_is_refused():
    config = tiny_model("dense")
    assert config.body.d_ff == 2 * 8
    wider = config.with_moe(top_k=3)
    assert wider.moe.top_k == 3 and wider.body.d_ff == 3 * 8 and wider.body.d_model == config.body.d_model
    dense = RoutingLM(wider)
    assert dense.body.blocks[0].ffn.up.out_features == 24
    with pytest.raises(UserError, match=r"body.d_ff 16 must equal top_k x d_ff_expert = 24"):
        dataclasses.replace(config, moe=wider.moe)
