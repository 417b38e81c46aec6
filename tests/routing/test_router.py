"""semphys.routing.router: the Omega router against a hand computation; the softmax router."""

import math

import pytest
import torch

from semphys.core.errors import UserError
from semphys.routing.router import OmegaRouter, OriginEmbedding, SoftmaxRouter


def _omega(use_sin: bool = True, use_origin: bool = True) -> OmegaRouter:
    router = OmegaRouter(dim=2, n_experts=2, use_sin=use_sin, use_origin=use_origin)
    with torch.no_grad():
        router.W_origin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
        router.W_origin.bias.zero_()
        router.W_fire.weight.copy_(torch.tensor([[1.0, 1.0], [-1.0, 0.5]]))
        router.W_fire.bias.copy_(torch.tensor([0.0, 0.5]))
        router.W_res.weight.copy_(torch.tensor([[0.5, 0.0], [0.0, -1.0]]))
        router.W_res.bias.copy_(torch.tensor([0.1, 0.0]))
        router.W_proj.weight.copy_(torch.tensor([[1.0, -1.0], [0.0, 2.0]]))
    return router


def _origin(rows: list[list[float]]) -> OriginEmbedding:
    """One origin per token, in order."""
    return OriginEmbedding(torch.tensor(rows), torch.arange(len(rows)))


def test_origin_embedding_looks_up_each_tokens_row_and_phi_per_row_equals_phi_per_token():
    table = torch.randn(5, 2)
    origin = OriginEmbedding(table, torch.tensor([3, 0, 3]))
    assert torch.equal(origin.vectors(), table[[3, 0, 3]])
    router = _omega()
    per_token = torch.tanh(router.W_origin(origin.vectors())) * torch.relu(router.W_fire(torch.ones(3, 2)))
    per_token = per_token + torch.sin(router.W_res(per_token))
    assert torch.allclose(router.features(torch.ones(3, 2), origin), per_token, atol=1e-6)


def _softmax(values: list[float]) -> list[float]:
    exps = [math.exp(v) for v in values]
    return [e / sum(exps) for e in exps]


def test_omega_router_matches_the_pseudocode_by_hand():
    x, origin = torch.tensor([[1.0, 2.0]]), _origin([[0.5, -0.25]])
    # phi = tanh(W_origin origin) = tanh([0.5, -0.5]); fire = relu([3, 0.5]) = [3, 0.5]
    phi = [math.tanh(0.5), math.tanh(-0.5)]
    h = [phi[0] * 3.0, phi[1] * 0.5]
    h = [h[0] + math.sin(0.5 * h[0] + 0.1), h[1] + math.sin(-1.0 * h[1])]
    logits = [h[0] - h[1], 2.0 * h[1]]  # W_proj h
    router = _omega()
    assert router.features(x, origin)[0].tolist() == pytest.approx(h, abs=1e-6)
    out = router(x, origin)
    assert out.probs[0].tolist() == pytest.approx(_softmax(logits), abs=1e-6)
    assert float(out.probs.sum().detach()) == pytest.approx(1.0)
    lse = math.log(sum(math.exp(v) for v in logits))
    assert float(out.z_loss.detach()) == pytest.approx(lse**2, rel=1e-6)


def test_ablations_drop_exactly_their_term():
    x, origin = torch.tensor([[1.0, 2.0]]), _origin([[0.5, -0.25]])
    phi = [math.tanh(0.5), math.tanh(-0.5)]
    no_sin = _omega(use_sin=False).features(x, origin)[0].tolist()
    assert no_sin == pytest.approx([phi[0] * 3.0, phi[1] * 0.5], abs=1e-6)
    no_origin = _omega(use_origin=False)
    h = [3.0 + math.sin(1.6), 0.5 + math.sin(-0.5)]
    assert no_origin.features(x, None)[0].tolist() == pytest.approx(h, abs=1e-6)


def test_rows_sum_to_one_and_the_origin_changes_the_routing():
    torch.manual_seed(0)
    router = OmegaRouter(dim=16, n_experts=4)
    torch.nn.init.normal_(router.W_proj.weight, std=1.0)
    x = torch.randn(32, 16)
    ids = torch.zeros(32, dtype=torch.long)
    a, b = router(x, OriginEmbedding(torch.randn(1, 16), ids)), router(x, OriginEmbedding(torch.randn(1, 16), ids))
    assert torch.allclose(a.probs.sum(-1), torch.ones(32))
    assert (a.probs.argmax(-1) != b.probs.argmax(-1)).any()
    assert float((a.probs - b.probs).abs().max().detach()) > 1e-3
    blind = OmegaRouter(dim=16, n_experts=4, use_origin=False)
    assert torch.equal(blind(x, OriginEmbedding(torch.randn(1, 16), ids)).probs, blind(x, None).probs)
    with pytest.raises(UserError, match="needs an origin embedding"):
        router(x, None)


def test_softmax_router_and_its_z_loss_by_hand():
    router = SoftmaxRouter(dim=2, n_experts=3)
    with torch.no_grad():
        router.W_gate.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    out = router(torch.tensor([[1.0, 2.0]]), None)
    assert out.probs[0].tolist() == pytest.approx(_softmax([1.0, 2.0, 3.0]), abs=1e-6)
    assert float(out.z_loss.detach()) == pytest.approx(math.log(math.exp(1) + math.exp(2) + math.exp(3)) ** 2, rel=1e-6)
    reading = SoftmaxRouter(dim=2, n_experts=3, use_origin=True)
    reading.W_gate.weight.data.copy_(router.W_gate.weight.data)
    shifted = reading(torch.tensor([[0.0, 1.0]]), _origin([[1.0, 1.0]]))
    assert torch.allclose(shifted.probs, out.probs)  # x + origin embedding


def test_a_router_width_below_one_is_refused():
    with pytest.raises(UserError, match="width must be at least 1, got 0"):
        OmegaRouter(dim=4, n_experts=2, width=0)
