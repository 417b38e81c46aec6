"""One interface for fixed-point solvers: `solve(f, x0, method, tol, max_iter) -> (z, SolverStats)`.

A small registry (`METHODS`), as torchdeq's solver registry, used by `semphys.samadhi` (the Vicara
refinement, spec 002 §5.4) and `semphys.cvfp` (all contexts of a sequence at once, spec 004):

    plain         x <- f(x) per item: the spec 002 §5.4 loop
    anderson      Anderson acceleration (type II; Walker & Ni 2011, torchdeq's `anderson_solver`) of
                  the same fixed point; the first step is a plain one
    jacobi        for a causal `Recurrence` x_t = F(x_{t-1}, u_t): the sweep X <- (F(X_{t-1}, u_t))_t
                  at every position at once (plain iteration of the sweep). After k sweeps the first
                  k positions are exact, so `max_iter` defaults to T; when F contracts the error falls
                  geometrically at every position, whatever T.
    block_jacobi  for a causal `Recurrence`: the sequence cut into blocks of about sqrt(T) positions;
                  every sweep runs F sequentially inside all blocks at once, each block from a guess
                  of its start, then passes each block's end to the next block as its new start. The
                  residual is the change of the start guesses. Exact after n_blocks sweeps (the
                  default `max_iter`) whatever F does; 2 or 3 sweeps when F forgets its start within
                  a block.

Every item (row of x0 `[B, ...]`) stops on its own residual, as the spec stops each window (torchdeq
stops a batch when all of it has converged), and converged items are not evaluated again. The
residual of an item is `norm` ("l2": Euclidean over all its entries; "max": largest absolute entry)
of f(x) - x (block Jacobi: of the change of its block starts).

What the stats say, per item:
- `converged`: the residual reached `tol` (residual <= tol) within `max_iter`. Nothing looser.
- `noise_floor`: the item stopped because its residual stopped falling (no new minimum in
  `STALL_WINDOW` evaluations) at the rounding level of its dtype, <= `NOISE_ULPS` x eps(dtype) x
  norm(x): tol is unreachable in this precision (float32 on a 92k-token stream hovers at 1e-5). It
  is reported as such, never as converged. (The cvfp solver used to count a residual up to 3 tol
  as converged.)
- neither: `max_iter` was reached with the residual above tol and above the noise floor.

Solvers return the fixed point without a gradient (torch.no_grad), as torchdeq's do: a gradient
through the fixed point is a separate step (cvfp's one-step gradient, `semphys.cvfp.stage1`).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_choice, require_non_negative

Map = Callable[[Tensor, Tensor], Tensor]
"""f restricted to some items: (x[rows] [n, ...], rows [n] long) -> f(x)[rows] [n, ...]."""

NORMS: tuple[str, ...] = ("l2", "max")
STALL_WINDOW = 5
"""Evaluations without a new minimum residual after which an item has stalled."""
NOISE_ULPS = 100
"""A stalled residual below NOISE_ULPS x eps(dtype) x norm(x) is rounding noise: tol is unreachable."""


@dataclass
class SolverStats:
    """Per item: how the solve went (torchdeq's `info`, per item)."""

    method: str
    iterations: Tensor
    """[B] long: evaluations of f (sweeps for jacobi / block_jacobi) until the item stopped."""
    residual: Tensor
    """[B]: the residual at the last evaluation (NaN for an item that was never evaluated)."""
    trace: Tensor
    """[max_iter, B]: the residual after each evaluation, NaN once the item has stopped."""
    converged: Tensor
    """[B] bool: residual <= tol."""
    noise_floor: Tensor
    """[B] bool: stopped at the rounding level of the dtype, above tol (see the module docstring)."""
    tol: float

    @classmethod
    def empty(
        cls, method: str, batch: int, max_iter: int, tol: float, dtype: torch.dtype = torch.float32
    ) -> "SolverStats":
        """Stats of `batch` items none of which was evaluated (e.g. Samadhi windows whose gate is closed)."""
        return cls(
            method,
            torch.zeros(batch, dtype=torch.long),
            torch.full((batch,), float("nan"), dtype=dtype),
            torch.full((max_iter, batch), float("nan"), dtype=dtype),
            torch.zeros(batch, dtype=torch.bool),
            torch.zeros(batch, dtype=torch.bool),
            tol,
        )

    def assign(self, rows: Tensor, other: "SolverStats") -> None:
        """Copy `other`'s items into the items `rows` of these stats (same max_iter)."""
        self.iterations[rows] = other.iterations
        self.residual[rows] = other.residual.to(self.residual.dtype)
        self.trace[:, rows] = other.trace.to(self.trace.dtype)
        self.converged[rows] = other.converged
        self.noise_floor[rows] = other.noise_floor

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "tol": self.tol,
            "iterations": self.iterations.tolist(),
            "residual": self.residual.tolist(),
            "converged": self.converged.tolist(),
            "noise_floor": self.noise_floor.tolist(),
        }


@dataclass(frozen=True)
class Recurrence:
    """x_t = F(x_{t-1}, u_t) for t = 1..T from x_0 = `start`: the causal structure jacobi and block_jacobi use.

    Its trajectory X = (x_1 .. x_T) is the fixed point of the sweep G(X)_t = F(X_{t-1}, u_t); a
    `Recurrence` is itself a `Map` (the sweep), so plain and anderson accept it too.
    """

    step: Callable[[Tensor, Tensor], Tensor]
    """F, position-wise over leading dims: (x_prev [..., C], u [..., E]) -> [..., C]."""
    inputs: Tensor
    """u: [B, T, E]."""
    start: Tensor
    """x_0: [B, C]."""

    def __call__(self, x: Tensor, rows: Tensor) -> Tensor:
        """One sweep for the items `rows`: x [n, T, C] -> [n, T, C]."""
        previous = torch.cat([self.start[rows, None], x[:, :-1]], dim=1)
        return self.step(previous, self.inputs[rows])

    def run(self, inputs: Tensor, start: Tensor) -> Tensor:
        """The sequential loop over inputs [N, L, E] from start [N, C] -> [N, L, C]."""
        state, out = start, []
        for t in range(inputs.shape[1]):
            state = self.step(state, inputs[:, t])
            out.append(state)
        return torch.stack(out, dim=1)


class _Book:
    """Per-item bookkeeping shared by every method: iterations, residuals, stops."""

    def __init__(self, method: str, batch: int, max_iter: int, tol: float, dtype: torch.dtype) -> None:
        self.stats = SolverStats.empty(method, batch, max_iter, tol, dtype)
        self.dtype = dtype
        self.best = torch.full((batch,), float("inf"), dtype=torch.float64)
        self.since_best = torch.zeros(batch, dtype=torch.long)
        self.active = torch.ones(batch, dtype=torch.bool)

    def running(self) -> Tensor:
        return self.active.nonzero().flatten()

    def record(self, k: int, rows: Tensor, residual: Tensor, scale: Tensor) -> Tensor:
        """Count evaluation k of `rows` with residuals [n] and state norms [n]; returns which stop now, [n] bool."""
        residual = residual.detach()
        s = self.stats
        s.iterations[rows] += 1
        s.residual[rows] = residual.to(s.residual.dtype)
        s.trace[k, rows] = residual.to(s.trace.dtype)
        improved = residual.double() < self.best[rows]
        self.best[rows] = torch.where(improved, residual.double(), self.best[rows])
        self.since_best[rows] = torch.where(improved, 0, self.since_best[rows] + 1)
        converged = residual <= s.tol
        floor = NOISE_ULPS * torch.finfo(self.dtype).eps * scale.detach()
        at_floor = ~converged & (self.since_best[rows] >= STALL_WINDOW) & (residual <= floor)
        s.converged[rows[converged]] = True
        s.noise_floor[rows[at_floor]] = True
        done = converged | at_floor
        self.active[rows[done]] = False
        return done


def _norm(values: Tensor, norm: str) -> Tensor:
    """Per item of [n, ...] -> [n]."""
    flat = values.reshape(values.shape[0], -1)
    return flat.norm(dim=1) if norm == "l2" else flat.abs().amax(dim=1)


def _plain(f: Map, x0: Tensor, tol: float, max_iter: int, norm: str) -> tuple[Tensor, SolverStats]:
    book = _Book("plain", x0.shape[0], max_iter, tol, x0.dtype)
    state = x0.clone()
    for k in range(max_iter):
        rows = book.running()
        if len(rows) == 0:
            break
        new = f(state[rows], rows)
        book.record(k, rows, _norm(new - state[rows], norm), _norm(new, norm))
        state = state.index_copy(0, rows, new)
    return state, book.stats


def _anderson(
    f: Map, x0: Tensor, tol: float, max_iter: int, norm: str, memory: int = 5, ridge: float = 1e-4, mixing: float = 1.0
) -> tuple[Tensor, SolverStats]:
    """Anderson type II on the flattened items.

    With the last n <= `memory` iterates x_j and f_j = f(x_j), residuals g_j = f_j - x_j, the weights
    alpha minimise |sum_j alpha_j g_j|^2 + ridge * tr(H)/n |alpha|^2 subject to sum_j alpha_j = 1
    (H = g g^T; the ridge is relative so that it does not swamp H once residuals are ~tol), and
    x_next = mixing * sum alpha_j f_j + (1 - mixing) * sum alpha_j x_j. Returns f(x) at each item's stop.
    """
    require_at_least("memory", memory, 1)
    batch, shape = x0.shape[0], x0.shape[1:]
    book = _Book("anderson", batch, max_iter, tol, x0.dtype)
    width = math.prod(shape)
    xs = x0.new_zeros(batch, memory, width)
    fs = x0.new_zeros(batch, memory, width)
    x = x0.reshape(batch, width).clone()
    out = x.clone()
    for k in range(max_iter):
        rows = book.running()
        if len(rows) == 0:
            break
        fx = f(x[rows].view(len(rows), *shape), rows).reshape(len(rows), width)
        slot = k % memory
        xs[rows, slot] = x[rows]
        fs[rows, slot] = fx
        out[rows] = fx
        done = book.record(k, rows, _norm(fx - x[rows], norm), _norm(fx, norm))
        keep = rows[~done]
        if len(keep) == 0:
            break
        n = min(k + 1, memory)
        if n == 1:
            x[keep] = fx[~done]
            continue
        g = fs[keep, :n] - xs[keep, :n]  # [b, n, D]
        gram = g @ g.transpose(1, 2)
        scale = gram.diagonal(dim1=1, dim2=2).mean(dim=1).clamp_min(torch.finfo(x0.dtype).tiny)
        gram = gram + ridge * scale[:, None, None] * torch.eye(n, dtype=x0.dtype)
        z = torch.linalg.solve(gram, torch.ones(len(keep), n, 1, dtype=x0.dtype))
        alpha = z / z.sum(dim=1, keepdim=True)  # [b, n, 1]
        x[keep] = mixing * (alpha * fs[keep, :n]).sum(dim=1) + (1 - mixing) * (alpha * xs[keep, :n]).sum(dim=1)
    return out.view(batch, *shape), book.stats


def _recurrence(f: Map, method: str) -> Recurrence:
    if not isinstance(f, Recurrence):
        raise TypeError(
            f"method {method!r} needs a Recurrence (the causal structure it exploits), got {type(f).__name__}"
        )
    return f


def _jacobi(f: Map, x0: Tensor, tol: float, max_iter: int | None, norm: str) -> tuple[Tensor, SolverStats]:
    recurrence = _recurrence(f, "jacobi")
    z, stats = _plain(recurrence, x0, tol, max_iter or x0.shape[1], norm)
    stats.method = "jacobi"
    return z, stats


def _block_jacobi(
    f: Map, x0: Tensor, tol: float, max_iter: int | None, norm: str, block: int | None = None
) -> tuple[Tensor, SolverStats]:
    """Block Jacobi; `block` positions per block (default about sqrt(T)); starts guessed from x0."""
    recurrence = _recurrence(f, "block_jacobi")
    batch, t, width = x0.shape
    size = block or max(1, int(t**0.5))
    require_at_least("block", size, 1)
    n = -(-t // size)
    inputs = recurrence.inputs
    padded = torch.cat([inputs, inputs.new_zeros(batch, n * size - t, inputs.shape[-1])], dim=1)
    chunks = padded.view(batch, n, size, -1)
    guesses = x0[:, size - 1 :: size][:, : n - 1]  # the guessed end of every block but the last
    starts = torch.cat([recurrence.start[:, None], guesses], dim=1)  # [B, n, C]
    out = x0.new_zeros(batch, n * size, width)
    book = _Book("block_jacobi", batch, max_iter or n, tol, x0.dtype)
    for k in range(max_iter or n):
        rows = book.running()
        if len(rows) == 0:
            break
        m = len(rows)
        contexts = recurrence.run(chunks[rows].reshape(m * n, size, -1), starts[rows].reshape(m * n, width))
        contexts = contexts.view(m, n, size, width)
        new_starts = torch.cat([recurrence.start[rows, None], contexts[:, :-1, -1]], dim=1)
        out[rows] = contexts.reshape(m, n * size, width)
        book.record(k, rows, _norm(new_starts - starts[rows], norm), _norm(new_starts, norm))
        starts[rows] = new_starts
    return out[:, :t], book.stats


METHODS: dict[str, Callable[..., tuple[Tensor, SolverStats]]] = {
    "plain": _plain,
    "anderson": _anderson,
    "jacobi": _jacobi,
    "block_jacobi": _block_jacobi,
}
"""The registry: method name -> solver (f, x0, tol, max_iter, norm, **options) -> (z, stats)."""


@torch.no_grad()
def solve(
    f: Map,
    x0: Tensor,
    method: str = "plain",
    tol: float = 1e-5,
    max_iter: int | None = None,
    norm: str = "l2",
    **options,
) -> tuple[Tensor, SolverStats]:
    """The fixed point z = f(z) from x0 [B, ...] by `method` (one of `METHODS`); see the module docstring.

    max_iter: evaluations per item; required for plain and anderson, defaults to T (jacobi) and
    n_blocks (block_jacobi), where those are exact. options: anderson's `memory`, `ridge`,
    `mixing`; block_jacobi's `block`.
    """
    require_choice("solver method", method, METHODS)
    require_choice("residual norm", norm, NORMS)
    require_non_negative("tol", tol)
    if max_iter is None and method in ("plain", "anderson"):
        raise UserError(f"method {method!r} needs max_iter")
    if max_iter is not None:
        require_at_least("max_iter", max_iter, 1)
    if x0.ndim < 1 or x0.shape[0] == 0:
        raise UserError(f"x0 must be [batch, ...] with at least one item, got shape {list(x0.shape)}")
    return METHODS[method](f, x0, tol, max_iter, norm, **options)
