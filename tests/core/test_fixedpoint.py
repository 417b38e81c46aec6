"""semphys.core.fixedpoint: every method reaches the known fixed point of a contraction; converged means residual <= tol."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.core.fixedpoint import NOISE_ULPS, Recurrence, solve


def _contraction(d: int, rate: float, seed: int = 0) -> torch.Tensor:
    """A symmetric matrix with eigenvalues spread over [-rate, rate]: Lipschitz constant `rate` exactly."""
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=gen, dtype=torch.float64))
    return q @ torch.diag(torch.linspace(-rate, rate, d, dtype=torch.float64)) @ q.T


def _affine(a: torch.Tensor, b: torch.Tensor):
    """f(x) = A x + b and its fixed point (I - A)^{-1} b."""
    return (lambda x, rows: x @ a.T + b), torch.linalg.solve(torch.eye(len(b), dtype=a.dtype) - a, b)


@pytest.mark.parametrize("method", ["plain", "anderson"])
def test_a_contraction_reaches_its_known_fixed_point(method) -> None:
    a = _contraction(6, 0.8)
    f, fixed = _affine(a, torch.arange(6, dtype=torch.float64))
    x0 = torch.randn(4, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    z, stats = solve(f, x0, method, tol=1e-8, max_iter=300)
    assert stats.converged.all() and (stats.residual <= 1e-8).all() and not stats.noise_floor.any()
    # rate r: |x - x*| <= |f(x) - x| / (1 - r); z = f(x) is closer still by a factor r
    assert (z - fixed).norm(dim=-1).max() < 1e-8 * 0.8 / (1 - 0.8) * 1.01
    assert stats.method == method


def test_plain_iteration_counts_steps_exactly() -> None:
    # f(x) = (1 - b) x + b c: |x_t - x_{t-1}| = b (1 - b)^(t-1) |x_0 - c|
    beta, c = 0.5, torch.tensor([1.0, -1.0], dtype=torch.float64)
    x0 = torch.tensor([[4.0, 3.0], [1.0, -1.0 + 1e-3]], dtype=torch.float64)  # |x_0 - c| = 5, 1e-3
    _, stats = solve(lambda x, rows: (1 - beta) * x + beta * c, x0, tol=1e-4, max_iter=50)
    expected = [next(t for t in range(1, 60) if beta * (1 - beta) ** (t - 1) * dist <= 1e-4) for dist in (5.0, 1e-3)]
    assert stats.iterations.tolist() == expected == [16, 4]
    assert torch.isnan(stats.trace[expected[1] :, 1]).all() and not torch.isnan(stats.trace[: expected[0], 0]).any()


def test_a_residual_equal_to_tol_converges_and_one_just_above_does_not() -> None:
    x0 = torch.tensor([[0.0], [0.0]], dtype=torch.float64)
    step = torch.tensor([[0.25], [0.25 + 1e-12]], dtype=torch.float64)  # f(x) - x is this, for ever
    _, stats = solve(lambda x, rows: x + step[rows], x0, tol=0.25, max_iter=3)
    assert stats.converged.tolist() == [True, False]
    assert stats.iterations.tolist() == [1, 3]


def test_items_stop_on_their_own_residual() -> None:
    calls: list[list[int]] = []

    def f(x, rows):
        calls.append(rows.tolist())
        return 0.5 * x

    _, stats = solve(f, torch.tensor([[1e-4], [10.0]]), tol=1e-4, max_iter=40)
    assert stats.iterations[0] == 1 and stats.iterations[1] > 10
    assert all(rows == [1] for rows in calls[1:])  # the converged item is not evaluated again


@pytest.mark.parametrize("method", ["plain", "anderson"])
def test_no_fixed_point_is_never_converged(method) -> None:
    _, stats = solve(lambda x, rows: x + 1.0, torch.ones(3, 2), method, tol=1e-4, max_iter=7)
    assert not stats.converged.any() and not stats.noise_floor.any()
    assert stats.iterations.tolist() == [7, 7, 7] and (stats.residual > 1e-4).all()


def test_a_float32_noise_floor_is_reported_as_such_not_as_converged() -> None:
    # f(x) = x + noise of size ~1 ulp of |x|: the residual never falls, tol 1e-12 is unreachable in float32
    gen = torch.Generator().manual_seed(0)
    x0 = torch.full((2, 8), 3.0)

    def f(x, rows):
        return x * (1 + 2e-7 * torch.randn(x.shape, generator=gen))

    _, stats = solve(f, x0, tol=1e-12, max_iter=50)
    assert stats.noise_floor.all() and not stats.converged.any()
    assert (stats.iterations < 50).all()  # it stopped on the stall, not at max_iter
    floor = NOISE_ULPS * torch.finfo(torch.float32).eps * 3.0 * 8**0.5
    assert (stats.residual <= floor).all()
    # the same stall far above the rounding level is not a noise floor: it runs to max_iter
    _, loud = solve(lambda x, rows: x * (1 + 1e-2 * torch.randn(x.shape, generator=gen)), x0, tol=1e-12, max_iter=30)
    assert not loud.noise_floor.any() and not loud.converged.any() and (loud.iterations == 30).all()


def test_anderson_needs_fewer_evaluations_on_a_slow_contraction() -> None:
    a = _contraction(8, 0.95, seed=2)
    f, fixed = _affine(a, torch.ones(8, dtype=torch.float64))
    x0 = torch.zeros(5, 8, dtype=torch.float64)
    _, plain = solve(f, x0, "plain", tol=1e-6, max_iter=1000)
    z, accel = solve(f, x0, "anderson", tol=1e-6, max_iter=1000, memory=5)
    assert plain.converged.all() and accel.converged.all()
    assert accel.iterations.max() * 3 < plain.iterations.min()
    assert (z - fixed).norm(dim=-1).max() < 1e-4


def _linear_recurrence(a: float, batch: int = 2, t: int = 50, seed: int = 0) -> tuple[Recurrence, torch.Tensor]:
    """x_t = a x_{t-1} + u_t (scalar per position, [B, T, 1]) and its trajectory by the loop."""
    gen = torch.Generator().manual_seed(seed)
    u = torch.randn(batch, t, 1, generator=gen, dtype=torch.float64)
    start = torch.randn(batch, 1, generator=gen, dtype=torch.float64)
    recurrence = Recurrence(lambda prev, inputs: a * prev + inputs, u, start)
    return recurrence, recurrence.run(u, start)


@pytest.mark.parametrize("method", ["jacobi", "block_jacobi", "plain", "anderson"])
def test_a_recurrence_is_solved_by_every_method(method) -> None:
    recurrence, exact = _linear_recurrence(0.5)
    x0 = torch.zeros_like(exact)
    z, stats = solve(recurrence, x0, method, tol=1e-10, max_iter=None if "jacobi" in method else 200, norm="max")
    assert stats.converged.all()
    assert float((z - exact).abs().max()) < 1e-9


def test_jacobi_makes_k_positions_exact_in_k_sweeps_and_block_jacobi_is_exact_in_n_blocks() -> None:
    recurrence, exact = _linear_recurrence(1.0, t=49)  # no contraction: errors never decay
    x0 = torch.zeros_like(exact)
    z, stats = solve(recurrence, x0, "jacobi", tol=0.0, max_iter=10, norm="max")
    assert torch.allclose(z[:, :10], exact[:, :10]) and not torch.allclose(z[:, 10:], exact[:, 10:])
    z, stats = solve(recurrence, x0, "block_jacobi", tol=0.0, norm="max", block=7)  # 7 blocks of 7
    assert torch.allclose(z, exact) and (stats.iterations == 7).all()


def test_bad_requests_are_refused() -> None:
    f = lambda x, rows: x  # noqa: E731
    with pytest.raises(UserError, match="solver method: unknown value 'newton'"):
        solve(f, torch.zeros(1, 2), "newton", max_iter=3)
    with pytest.raises(UserError, match="needs max_iter"):
        solve(f, torch.zeros(1, 2), "plain")
    with pytest.raises(TypeError, match="needs a Recurrence"):
        solve(f, torch.zeros(1, 2, 1), "block_jacobi")
    with pytest.raises(UserError, match="residual norm: unknown value 'l1'"):
        solve(f, torch.zeros(1, 2), max_iter=3, norm="l1")
