"""Fixed-point solvers for the Vicara update S <- G(S), one stop per window (spec 002 §5.4).

Both return `(state, SolverStats)`, as torchdeq's solvers return the state with its statistics:
how many times each window evaluated G (= Phi evaluations), its last residual |G(S) - S|, and whether
it reached eps. A window that did not converge within `max_steps` keeps `converged = False`; nothing
reports it as converged.

    fixed_point_iteration   the spec's loop: S_{t+1} = G(S_t) until |S_{t+1} - S_t| < eps or N steps
    anderson                Anderson acceleration (type II, as in Walker & Ni 2011 and torchdeq's
                            `anderson_solver`) of the same fixed point, same stop rule

Both stop on the same quantity, |G(S) - S| < eps, and return G(S) at the stop, so their results and
their counts of G evaluations compare directly. Written here rather than taken from torchdeq
because the spec stops each window on its own residual (torchdeq stops a batch when all of it has
converged) and the comparison needs per-window counts.

`update(S_rows, rows)` evaluates G on the rows `rows` of the batch only: windows that have
converged are not evaluated again (in hard mode each row may have its own refiner).
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

Update = Callable[[Tensor, Tensor], Tensor]
"""G restricted to some rows: (S [n, d], rows [n] long) -> G(S) [n, d]."""


@dataclass
class SolverStats:
    """Per window: how the solve went."""

    steps: Tensor
    """[B] long: evaluations of G until the stop (= refinement steps = Phi evaluations)."""
    residual: Tensor
    """[B]: |G(S) - S| at the last evaluation."""
    converged: Tensor
    """[B] bool: residual < eps within max_steps."""
    trace: Tensor
    """[max_steps, B]: residual after each evaluation (NaN once the window has stopped)."""
    solver: str

    def to_dict(self) -> dict:
        return {"solver": self.solver, "steps": self.steps.tolist(), "residual": self.residual.tolist(),
                "converged": self.converged.tolist()}


class _Bookkeeping:
    """Per-window counters shared by both solvers: steps, residuals, convergence, which are still running."""

    def __init__(self, s0: Tensor, max_steps: int, eps: float) -> None:
        batch = s0.shape[0]
        self.eps = eps
        self.steps = torch.zeros(batch, dtype=torch.long)
        self.residual = torch.full((batch,), float("inf"), dtype=s0.dtype)
        self.converged = torch.zeros(batch, dtype=torch.bool)
        self.trace = torch.full((max_steps, batch), float("nan"), dtype=s0.dtype)
        self.active = torch.ones(batch, dtype=torch.bool)

    def running(self) -> Tensor:
        """Rows still iterating, [n] long."""
        return self.active.nonzero().flatten()

    def record(self, t: int, rows: Tensor, residual: Tensor) -> Tensor:
        """Count evaluation t of `rows` with their residuals [n]; returns which of them stop now, [n] bool."""
        residual = residual.detach()
        self.steps[rows] += 1
        self.residual[rows] = residual
        self.trace[t, rows] = residual
        done = residual < self.eps
        self.converged[rows[done]] = True
        self.active[rows[done]] = False
        return done

    def stats(self, solver: str) -> SolverStats:
        return SolverStats(self.steps, self.residual, self.converged, self.trace, solver)


def fixed_point_iteration(update: Update, s0: Tensor, eps: float, max_steps: int) -> tuple[Tensor, SolverStats]:
    """The spec's loop (§5.4) on every window of s0 [B, d]; returns (S_final [B, d], stats)."""
    book = _Bookkeeping(s0, max_steps, eps)
    state = s0.clone()
    for t in range(max_steps):
        rows = book.running()
        if len(rows) == 0:
            break
        new = update(state[rows], rows)
        residual = (new - state[rows]).norm(dim=-1)
        state = state.index_copy(0, rows, new)
        book.record(t, rows, residual)
    return state, book.stats("plain")


def anderson(update: Update, s0: Tensor, eps: float, max_steps: int, memory: int = 5, ridge: float = 1e-4,
             mixing: float = 1.0) -> tuple[Tensor, SolverStats]:
    """Anderson acceleration of S = G(S) for every window of s0 [B, d]; returns (S_final [B, d], stats).

    With the last n <= `memory` iterates x_j and f_j = G(x_j), residuals g_j = f_j - x_j, the weights
    alpha minimise |sum_j alpha_j g_j|^2 + ridge * tr(H)/n |alpha|^2 subject to sum_j alpha_j = 1
    (H = g g^T; the ridge is relative so that it does not swamp H once residuals are ~eps), and
    x_next = mixing * sum alpha_j f_j + (1 - mixing) * sum alpha_j x_j. The first step is a plain one.
    Each iteration evaluates G once per active window.
    """
    book = _Bookkeeping(s0, max_steps, eps)
    batch, width = s0.shape
    xs = s0.new_zeros(batch, memory, width)
    fs = s0.new_zeros(batch, memory, width)
    x = s0.clone()
    out = s0.clone()
    for k in range(max_steps):
        rows = book.running()
        if len(rows) == 0:
            break
        fx = update(x[rows], rows)
        slot = k % memory
        xs[rows, slot] = x[rows]
        fs[rows, slot] = fx
        out[rows] = fx
        done = book.record(k, rows, (fx - x[rows]).norm(dim=-1))
        keep = rows[~done]
        if len(keep) == 0:
            break
        n = min(k + 1, memory)
        if n == 1:
            x[keep] = fx[~done]
            continue
        g = fs[keep, :n] - xs[keep, :n]  # [b, n, d]
        gram = g @ g.transpose(1, 2)
        scale = gram.diagonal(dim1=1, dim2=2).mean(dim=1).clamp_min(torch.finfo(s0.dtype).tiny)
        gram = gram + ridge * scale[:, None, None] * torch.eye(n, dtype=s0.dtype)
        z = torch.linalg.solve(gram, torch.ones(len(keep), n, 1, dtype=s0.dtype))
        alpha = z / z.sum(dim=1, keepdim=True)  # [b, n, 1]
        mixed_f = (alpha * fs[keep, :n]).sum(dim=1)
        mixed_x = (alpha * xs[keep, :n]).sum(dim=1)
        x[keep] = mixing * mixed_f + (1 - mixing) * mixed_x
    return out, book.stats("anderson")


SOLVER_FUNCTIONS: dict[str, Callable[..., tuple[Tensor, SolverStats]]] = {
    "plain": fixed_point_iteration,
    "anderson": anderson,
}
