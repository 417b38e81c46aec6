"""§3.4 terms by hand, and the InfoNCE estimator against the known mutual information of Gaussians."""

import math

import torch

from semphys.samadhi.loss import BilinearCritic, infonce_bound, mutual_information, samadhi_loss, sparsity, stability


def _gaussian_pairs(n: int, rho: float, d: int = 1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) with unit variances and correlation rho per dimension: I = -d/2 log(1 - rho^2)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = rho * x + math.sqrt(1 - rho**2) * torch.randn(n, d, generator=gen, dtype=torch.float64)
    return x, y


def _optimal_scores(x: torch.Tensor, y: torch.Tensor, rho: float) -> torch.Tensor:
    """f(y_i, x_j) = log p(y_i | x_j) (+ a term in y_i alone, which cancels)."""
    return -((y[:, None, :] - rho * x[None, :, :]) ** 2).sum(-1) / (2 * (1 - rho**2))


def test_infonce_with_the_optimal_critic_recovers_gaussian_mi() -> None:
    for rho in (0.3, 0.6):
        true = -0.5 * math.log(1 - rho**2)
        estimates = [infonce_bound(_optimal_scores(*_gaussian_pairs(2048, rho, seed=s), rho)).item() for s in range(3)]
        assert abs(sum(estimates) / 3 - true) < 0.03, (rho, estimates, true)


def test_infonce_is_at_most_log_n_and_zero_for_independent_pairs() -> None:
    # independent x, y: the bound is <= 0 in expectation, whatever the critic
    estimates = [
        infonce_bound(
            _optimal_scores(_gaussian_pairs(512, 0.0, seed=s)[0], _gaussian_pairs(512, 0.0, seed=100 + s)[0], 0.5)
        ).item()
        for s in range(5)
    ]
    assert sum(estimates) / 5 < 0.05, estimates
    perfect = torch.eye(512) * 1e4  # a critic that identifies every pair
    assert math.isclose(infonce_bound(perfect).item(), math.log(512), rel_tol=1e-6)
    assert infonce_bound(torch.randn(64, 64) * 50).item() <= math.log(64) + 1e-9


def test_trained_bilinear_critic_gives_a_positive_lower_bound() -> None:
    # The optimal critic log p(y_i | x_j) has a term -rho^2 |x_j|^2 / (2 (1 - rho^2)) that a bilinear
    # critic cannot represent, so the bilinear bound is loose (about 0.6 of the 1.02 nats here).
    rho, d = 0.8, 2
    true = -d / 2 * math.log(1 - rho**2)  # 1.02 nats, well below log 256
    critic = BilinearCritic(d).double()
    opt = torch.optim.Adam(critic.parameters(), lr=0.05)
    for step in range(300):
        x, y = _gaussian_pairs(256, rho, d, seed=step)
        loss = -mutual_information(critic, y, x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, y = _gaussian_pairs(4096, rho, d, seed=10_000)
    estimate = mutual_information(critic, y[:256], x[:256]).item()
    assert 0.4 * true < estimate < true + 0.05, (estimate, true)
    shuffled = mutual_information(critic, y[:256], x[256:512]).item()
    assert shuffled < 0.1, shuffled


def test_stability_and_sparsity_by_hand() -> None:
    s_final = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    s_before = torch.tensor([[1.0, 0.0], [1.0, 3.0]])
    assert stability(s_final, s_before).item() == (4.0 + 1.0) / 2
    assert sparsity(s_final).item() == (3.0 + 3.0) / 2


def test_loss_combines_the_terms_with_their_signs() -> None:
    s0, s1, s2 = torch.randn(8, 4), torch.randn(8, 4), torch.randn(8, 4)
    critic = BilinearCritic(4)
    terms = samadhi_loss([s0, s1, s2], critic, lambda_sparsity=0.1, lambda_mi=2.0)
    expected = stability(s2, s1) + 0.1 * sparsity(s2) - 2.0 * mutual_information(critic, s2, s0)
    torch.testing.assert_close(terms.total, expected)
    assert set(terms.to_dict()) == {"total", "stability", "sparsity", "mutual_information"}
