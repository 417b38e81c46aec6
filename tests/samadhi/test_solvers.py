"""Both solvers reach the known fixed point of a contraction, stop per window, and flag non-convergence."""

import torch

from semphys.samadhi.solvers import anderson, fixed_point_iteration


def _affine(a: torch.Tensor, b: torch.Tensor):
    """G(S) = S A^T + b, fixed point (I - A)^{-1} b."""
    return (lambda s, rows: s @ a.T + b), torch.linalg.solve(torch.eye(len(b)) - a, b)


def _contraction(d: int, rate: float, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=gen, dtype=torch.float64))
    return q @ torch.diag(torch.linspace(-rate, rate, d, dtype=torch.float64)) @ q.T


def test_contraction_converges_to_its_fixed_point() -> None:
    a = _contraction(6, 0.8)
    b = torch.arange(6, dtype=torch.float64)
    update, fixed = _affine(a, b)
    s0 = torch.randn(4, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    for solve in (fixed_point_iteration, anderson):
        state, stats = solve(update, s0, eps=1e-8, max_steps=200)
        assert stats.converged.all() and (stats.residual < 1e-8).all()
        # a contraction with rate r: |S - S*| <= r/(1 - r) |S - G^{-1}...| ~ residual / (1 - r)
        assert (state - fixed).norm(dim=-1).max() < 1e-8 / (1 - 0.8) * 1.01
        assert stats.solver in ("plain", "anderson")


def test_plain_iteration_counts_steps_exactly() -> None:
    # G(S) = (1 - b) S + b c: |S_t - S_{t-1}| = b (1 - b)^(t-1) |S_0 - c|
    beta, c = 0.5, torch.tensor([1.0, -1.0], dtype=torch.float64)
    s0 = torch.tensor([[1.0 + 3.0, -1.0 + 4.0], [1.0, -1.0 + 1e-3]], dtype=torch.float64)  # |S_0 - c| = 5, 1e-3
    state, stats = fixed_point_iteration(lambda s, rows: (1 - beta) * s + beta * c, s0, eps=1e-4, max_steps=50)
    expected = [next(t for t in range(1, 60) if beta * (1 - beta) ** (t - 1) * dist < 1e-4) for dist in (5.0, 1e-3)]
    assert stats.steps.tolist() == expected == [16, 4]
    assert torch.isnan(stats.trace[expected[1]:, 1]).all() and not torch.isnan(stats.trace[: expected[0], 0]).any()


def test_windows_stop_on_their_own_residual() -> None:
    calls: list[list[int]] = []

    def update(s, rows):
        calls.append(rows.tolist())
        return 0.5 * s

    s0 = torch.tensor([[1e-4], [10.0]])
    _, stats = fixed_point_iteration(update, s0, eps=1e-4, max_steps=40)
    assert stats.steps[0] == 1 and stats.steps[1] > 10
    assert all(rows == [1] for rows in calls[1:])  # the converged window is not evaluated again


def test_non_convergence_is_flagged() -> None:
    s0 = torch.ones(3, 2)
    for solve in (fixed_point_iteration, anderson):  # a translation has no fixed point at all
        state, stats = solve(lambda s, rows: s + 1.0, s0, eps=1e-4, max_steps=7)
        assert not stats.converged.any()
        assert stats.steps.tolist() == [7, 7, 7]
        assert (stats.residual > 1e-4).all()


def test_anderson_needs_fewer_evaluations_on_a_slow_contraction() -> None:
    a = _contraction(8, 0.95, seed=2)
    update, fixed = _affine(a, torch.ones(8, dtype=torch.float64))
    s0 = torch.zeros(5, 8, dtype=torch.float64)
    _, plain = fixed_point_iteration(update, s0, eps=1e-6, max_steps=1000)
    state, accel = anderson(update, s0, eps=1e-6, max_steps=1000, memory=5)
    assert plain.converged.all() and accel.converged.all()
    assert accel.steps.max() * 3 < plain.steps.min()
    assert (state - fixed).norm(dim=-1).max() < 1e-4
