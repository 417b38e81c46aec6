"""semphys.routing.moe: load balancing, capacity, the expert mixture by hand, bad input."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.routing.moe import MoEConfig, MoEFFN, capacity, capacity_mask, load_balancing_loss


def test_load_balancing_loss_is_one_at_perfect_balance_and_e_at_collapse():
    n, e = 8, 4
    probs = torch.full((n, e), 1 / e)
    experts = torch.tensor([[0, 1], [2, 3]] * 4)  # every expert gets 4 of the 16 assignments
    assert float(load_balancing_loss(probs, experts, e)) == pytest.approx(1.0)
    onto_one = torch.zeros(n, e)
    onto_one[:, 0] = 1.0
    assert float(load_balancing_loss(onto_one, torch.zeros(n, 1, dtype=torch.long), e)) == pytest.approx(e)


def test_capacity_keeps_first_choices_first_then_token_order():
    experts = torch.tensor([[0, 1], [0, 1], [0, 2], [1, 0]])
    kept = capacity_mask(experts, n_experts=3, limit=2)
    # expert 0: first choices of tokens 0, 1 fill it; token 2's first choice and token 3's second are dropped
    # expert 1: token 3's first choice, then token 0's second choice; token 1's second is dropped
    assert kept.tolist() == [[True, True], [True, False], [False, True], [True, False]]
    for expert in range(3):
        assert int(((experts == expert) & kept).sum()) <= 2
    assert capacity(10, MoEConfig(n_experts=4, top_k=2, capacity_factor=1.25)) == 7  # ceil(1.25 * 10 * 2 / 4)


def test_moe_output_is_the_gated_sum_of_the_kept_experts():
    torch.manual_seed(0)
    config = MoEConfig(n_experts=4, top_k=2, d_ff_expert=8, capacity_factor=0.5, use_origin=False)
    layer = MoEFFN(6, config)
    x = torch.randn(1, 10, 6)
    out = layer(x)
    stats = out.stats
    assert int((~stats.kept).sum()) > 0  # capacity 0.5: some assignments are dropped
    flat = x.reshape(-1, 6)
    top_p = stats.probs.gather(1, stats.experts)
    gates = top_p / top_p.sum(-1, keepdim=True)
    expected = torch.zeros_like(flat)
    for i in range(10):
        for slot in range(2):
            if stats.kept[i, slot]:
                expected[i] += gates[i, slot] * layer.experts(flat[i : i + 1], int(stats.experts[i, slot]))[0]
    assert torch.allclose(out.out.reshape(-1, 6), expected, atol=1e-6)
    lb = load_balancing_loss(stats.probs, stats.experts, 4)
    z = torch.logsumexp(layer.router.W_gate(flat), -1).pow(2).mean()  # the softmax router's z-loss
    assert float(out.aux_loss.detach()) == pytest.approx(float((0.01 * lb + 0.001 * z).detach()), rel=1e-5)


def test_bad_configs_and_inputs_are_refused():
    with pytest.raises(UserError, match=r"n_experts \(2\) must be at least top_k \(3\)"):
        MoEConfig(n_experts=2, top_k=3)
    with pytest.raises(UserError, match="router: unknown value 'hash'"):
        MoEConfig(router="hash")
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(UserError, match="capacity_factor must be"):
            MoEConfig(capacity_factor=bad)
    with pytest.raises(UserError, match="z_loss_weight must be a finite number, got nan"):
        MoEConfig(z_loss_weight=float("nan"))
    with pytest.raises(UserError, match="router_width must be at least 1, got 0"):
        MoEConfig(router_width=0)
    table = torch.nn.Embedding(45, 6)
    layer = MoEFFN(6, MoEConfig(router="omega", n_experts=4), table)
    with pytest.raises(UserError, match=r"origin ids must be one per token in \[0, 45\)"):
        layer(torch.randn(1, 3, 6), torch.tensor([[0, 45, 2]]))
    with pytest.raises(UserError, match="reads the text's origin"):
        layer(torch.randn(1, 3, 6), None)
    with pytest.raises(UserError, match="width 6 got inputs of width 5"):
        layer(torch.randn(1, 3, 5), torch.zeros(1, 3, dtype=torch.long))
    with pytest.raises(UserError, match="origin embedding of width d_model 6"):
        MoEFFN(6, MoEConfig(router="omega"), torch.nn.Embedding(45, 4))
