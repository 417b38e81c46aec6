"""Module B: hard = soft when the winner's weight is 1, the Lipschitz bound, the known fixed point, modes."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.samadhi.config import SamadhiConfig
from semphys.samadhi.vicara import Vicara


def _vicara(vicara_type: str = "probe_specific", **kw) -> Vicara:
    torch.manual_seed(0)
    config = SamadhiConfig(
        d_model=6, concept_labels=("a", "b", "c"), n_learned=1, refiner_hidden=5, vicara_type=vicara_type, **kw
    )
    module = Vicara(config)
    with torch.no_grad():  # make every refiner different and not tiny
        module.w1.mul_(3.0)
        module.w2.mul_(3.0)
        module.b2.normal_()
    return module


def test_hard_and_soft_agree_when_the_winner_weight_is_one() -> None:
    module = _vicara()
    state = torch.randn(5, 6)
    winner = torch.tensor([0, 1, 2, 3, 1])
    one_hot = torch.nn.functional.one_hot(winner, 4).float()
    weights = module.weights()
    torch.testing.assert_close(
        module.phi(weights, state, winner, one_hot, "soft"), module.phi(weights, state, winner, one_hot, "hard")
    )
    mixed = torch.full((5, 4), 0.25)
    assert not torch.allclose(
        module.phi(weights, state, winner, mixed, "soft"), module.phi(weights, state, winner, mixed, "hard")
    )
    hard, _ = module.refine(torch.randn(5, 6), winner, one_hot, "hard")
    soft, _ = module.refine(torch.randn(5, 6), winner, one_hot, "soft")
    torch.testing.assert_close(hard, soft, atol=1e-3, rtol=0)  # both at the same fixed point, to ~eps


def test_hard_mode_uses_the_winner_refiner() -> None:
    module = _vicara()
    state = torch.randn(3, 6)
    weights = module.weights()
    each = weights.apply_all(state)  # [3, 4, 6]
    winner = torch.tensor([2, 0, 3])
    torch.testing.assert_close(
        module.phi(weights, state, winner, torch.zeros(3, 4), "hard"), each[torch.arange(3), winner]
    )


def test_standard_vicara_has_one_refiner_and_ignores_the_mode() -> None:
    module = _vicara("standard")
    assert module.w1.shape[0] == 1
    state, winner = torch.randn(4, 6), torch.tensor([0, 1, 2, 3])
    weights = module.weights()
    torch.testing.assert_close(
        module.phi(weights, state, winner, torch.rand(4, 4), "soft"),
        module.phi(weights, state, winner, torch.rand(4, 4), "hard"),
    )


@pytest.mark.parametrize("gamma", [0.3, 0.9])
def test_refiners_are_gamma_lipschitz(gamma: float) -> None:
    module = _vicara(refiner_lipschitz=gamma)
    weights = module.weights()
    a, b = torch.randn(200, 6) * 3, torch.randn(200, 6) * 3
    index = torch.randint(4, (200,))
    ratio = (weights.apply(a, index) - weights.apply(b, index)).norm(dim=-1) / (a - b).norm(dim=-1)
    assert ratio.max() <= gamma + 1e-6
    assert ratio.max() > 0.2 * gamma  # the bound is not trivially loose


def test_constant_refiner_converges_to_its_known_fixed_point() -> None:
    module = _vicara(beta=0.8)
    with torch.no_grad():
        module.w2.zero_()  # Phi_k(S) = b2_k: fixed point S* = b2_k, |S_t - S_{t-1}| = b (1-b)^(t-1) |S_0 - S*|
    s0 = torch.zeros(4, 6)
    winner = torch.tensor([0, 1, 2, 3])
    state, stats = module.refine(s0, winner, torch.zeros(4, 4), "hard", "plain")
    assert stats.converged.all()
    torch.testing.assert_close(state, module.b2.detach()[winner], atol=1e-4, rtol=0)
    dist = module.b2.detach()[winner].norm(dim=-1)
    expected = [next(t for t in range(1, 99) if 0.8 * 0.2 ** (t - 1) * d < 1e-4) for d in dist.tolist()]
    assert stats.iterations.tolist() == expected


def test_t_max_stops_an_unconverged_refinement() -> None:
    module = _vicara(beta=0.1, t_max=3)
    _, stats = module.refine(torch.randn(2, 6) * 10, torch.tensor([0, 1]), torch.zeros(2, 4))
    assert stats.iterations.tolist() == [3, 3] and not stats.converged.any()


def test_unroll_matches_the_solver_and_carries_gradients() -> None:
    module = _vicara()
    s0, winner = torch.randn(3, 6), torch.tensor([0, 1, 2])
    probs = torch.nn.functional.one_hot(winner, 4).float()
    states = module.unroll(s0, winner, probs, steps=4, mode="hard")
    _, stats = module.refine(s0, winner, probs, max_steps=4)
    assert len(states) == 5
    torch.testing.assert_close(stats.trace[3], (states[4] - states[3]).norm(dim=-1).detach())
    states[-1].sum().backward()
    assert module.w1.grad is not None and module.w1.grad.abs().sum() > 0


def test_bad_mode_and_solver() -> None:
    module = _vicara()
    with pytest.raises(UserError, match="unknown attention mode 'medium'"):
        module.refine(torch.zeros(1, 6), torch.zeros(1, dtype=torch.long), torch.zeros(1, 4), "medium")
    with pytest.raises(UserError, match="unknown solver 'newton': choose one of plain, anderson"):
        module.refine(torch.zeros(1, 6), torch.zeros(1, dtype=torch.long), torch.zeros(1, 4), solver="newton")
