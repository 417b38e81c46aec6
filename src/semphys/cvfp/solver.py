"""All contexts of a token sequence at once: the recurrence c_t = F(c_{t-1}, e_t) as a fixed point.

The spec computes contexts one token after another (92,047 Python steps per Phase 1 iteration).
The whole trajectory C = (c_1 .. c_T) is the fixed point of G(C)_t = F(C_{t-1}, e_t), C_0 = c_0,
and can be computed with O(T)-wide tensor operations instead of T small ones:

- **Jacobi** (`solve_jacobi`): C <- G(C), every position at once. After k sweeps the first k
  positions are exact, so it ends in at most T sweeps; when F contracts in c (Lipschitz L < 1) the
  error falls like L^k at every position, whatever T.
- **Block Jacobi** (`solve_blocks`): cut the sequence into blocks of about sqrt(T) tokens, run
  the sequential loop inside every block at once from a guessed start context, and pass each
  block's end context to the next block as its new start. Exact after n_blocks sweeps whatever F
  does; 2 or 3 sweeps when F forgets its start within a block.

Newton's method on the whole trajectory (DEER: Lim et al. 2024, "Parallelizing non-linear
sequential models over the sequence length", ICLR) was tried and dropped: on the spec's
LayerNorm'd F its linearisation leaves the sphere the contexts live on, and from a cold start the
first Newton step already overshot to |c| ~ 1e29 (2,000 tokens, spec initialisation).

Both return a `FixedPointResult` with the iterations and the residual of each (STYLE.md: a
solver says what happened). `solve_sequential` is the reference loop. Parallel solvers run with
the layers' EMA statistics frozen (they evaluate F many times per pass).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from semphys.cvfp.model import CVFPModel
from semphys.errors import UserError

METHODS: tuple[str, ...] = ("sequential", "jacobi", "blocks")


@dataclass
class FixedPointResult:
    """A solver's answer and how it got there."""

    contexts: torch.Tensor
    """`[B, T, C]`: c_1 .. c_T."""
    iterations: int
    """Sweeps done (of all positions, or of all blocks); 1 for the sequential loop."""
    residuals: list[float] = field(default_factory=list)
    """Per sweep: max |change| (Jacobi: of any context; blocks: of any block's start context)."""
    converged: bool = True
    """Whether the last residual fell below the tolerance."""
    method: str = "sequential"


@contextmanager
def frozen_running_stats(model: CVFPModel) -> Iterator[None]:
    """Within the block, training-mode layer calls do not update the EMA statistics."""
    previous = [layer.track_running_stats for layer in model.layers]
    for layer in model.layers:
        layer.track_running_stats = False
    try:
        yield
    finally:
        for layer, flag in zip(model.layers, previous):
            layer.track_running_stats = flag


def _shift(contexts: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """(c_0, c_1, .., c_{T-1}): the input context of every position. `[B, T, C]`."""
    return torch.cat([c0[:, None], contexts[:, :-1]], dim=1)


def _start(model: CVFPModel, embeds: torch.Tensor, c0: torch.Tensor | None) -> torch.Tensor:
    if embeds.ndim != 3 or embeds.shape[-1] != model.config.embed_dim:
        raise UserError(f"embeddings must be [batch, seq, {model.config.embed_dim}], got {list(embeds.shape)}")
    model.check_length(embeds.shape[1])
    return model.initial_context(embeds.shape[0]).to(embeds.dtype) if c0 is None else c0


@torch.no_grad()
def solve_sequential(model: CVFPModel, embeds: torch.Tensor, c0: torch.Tensor | None = None) -> FixedPointResult:
    """The spec's loop, one token after another. embeds `[B, T, E]`, c0 `[B, C]` (default 0)."""
    c0 = _start(model, embeds, c0)
    with frozen_running_stats(model):
        return FixedPointResult(model.contexts(embeds, c0), 1, [], True, "sequential")


@torch.no_grad()
def solve_jacobi(model: CVFPModel, embeds: torch.Tensor, c0: torch.Tensor | None = None, tol: float = 1e-6,
                 max_iter: int | None = None, init: torch.Tensor | None = None) -> FixedPointResult:
    """Jacobi sweeps C <- G(C) from `init` (default: c0 everywhere) until max |change| < tol, or
    until it stops falling below 3 tol (the float32 noise floor, see `_at_noise_floor`).

    `max_iter` defaults to T, where the sweep is exact whatever F does.
    """
    c0 = _start(model, embeds, c0)
    t = embeds.shape[1]
    contexts = c0[:, None].expand(-1, t, -1).clone() if init is None else init.clone()
    residuals: list[float] = []
    with frozen_running_stats(model):
        for _ in range(max_iter or t):
            new = model.step(_shift(contexts, c0), embeds)
            residuals.append(float((new - contexts).abs().max()))
            contexts = new
            if residuals[-1] < tol or _at_noise_floor(residuals, tol):
                break
    converged = residuals[-1] < tol or _at_noise_floor(residuals, tol)
    return FixedPointResult(contexts, len(residuals), residuals, converged, "jacobi")


def _at_noise_floor(residuals: list[float], tol: float, window: int = 5) -> bool:
    """Whether the residual stopped falling just above `tol` (below 3 tol): float32 rounding of a
    long sequence (92k tokens: max |change| hovers at 1e-5) rather than a lack of convergence. (A
    looser bound, 100 tol, stopped a slowly converging sweep at 5e-4 from the answer.)"""
    if len(residuals) <= window or residuals[-1] >= 3 * tol:
        return False
    return residuals[-1] >= min(residuals[-window - 1 : -1])


@torch.no_grad()
def solve_blocks(model: CVFPModel, embeds: torch.Tensor, c0: torch.Tensor | None = None, tol: float = 1e-5,
                 max_iter: int | None = None, block: int | None = None) -> FixedPointResult:
    """Block Jacobi: the sequence cut into blocks of `block` tokens (default about sqrt(T)), each
    block run by the sequential loop, all blocks at once, from a guess of its start context.

    Sweep k runs every block from its current start guess (c_0 for the first block, 0 for the
    others at first), then sets each block's next start to the end context of the block before
    it. The residual is the largest change of a start context; below `tol` the contexts are
    returned. After k sweeps the first k blocks are exact, so at most n_blocks sweeps are needed
    whatever F does; when F forgets its start within a block (a contraction), 2 or 3 sweeps do, each
    of `block` batched steps: about 3 sqrt(T) small steps instead of T.
    """
    c0 = _start(model, embeds, c0)
    batch, t, e_dim = embeds.shape
    size = block or max(1, int(t**0.5))
    n = -(-t // size)
    padded = torch.cat([embeds, embeds.new_zeros(batch, n * size - t, e_dim)], dim=1)
    chunks = padded.view(batch * n, size, e_dim)
    starts = torch.cat([c0[:, None], c0.new_zeros(batch, n - 1, c0.shape[-1])], dim=1)
    residuals: list[float] = []
    with frozen_running_stats(model):
        for _ in range(max_iter or n):
            contexts = model.contexts(chunks, starts.reshape(batch * n, -1)).view(batch, n, size, -1)
            new_starts = torch.cat([c0[:, None], contexts[:, :-1, -1]], dim=1)
            residuals.append(float((new_starts - starts).abs().max()))
            starts = new_starts
            if residuals[-1] < tol:
                break
    out = contexts.reshape(batch, n * size, -1)[:, :t]
    return FixedPointResult(out, len(residuals), residuals, residuals[-1] < tol, "blocks")


def solve(model: CVFPModel, embeds: torch.Tensor, c0: torch.Tensor | None = None, method: str = "blocks",
          tol: float = 1e-5, max_iter: int | None = None) -> FixedPointResult:
    """Contexts of `embeds` by `method` (one of `METHODS`)."""
    if method == "sequential":
        return solve_sequential(model, embeds, c0)
    if method == "jacobi":
        return solve_jacobi(model, embeds, c0, tol, max_iter)
    if method == "blocks":
        return solve_blocks(model, embeds, c0, tol, max_iter)
    raise UserError(f"unknown solver {method!r}: choose from {', '.join(METHODS)}")


def compare_solvers(model: CVFPModel, embeds: torch.Tensor, tol: float = 1e-5, repeats: int = 2,
                    jacobi_sweeps: int = 200) -> dict[str, float]:
    """Sequential loop vs block Jacobi vs Jacobi on `embeds` `[1, T, E]`: best-of-`repeats` seconds,
    sweeps, largest difference from the sequential contexts, and speed-ups (sequential / parallel).
    Jacobi stops after `jacobi_sweeps` sweeps (it needs up to T when F does not contract)."""
    out: dict[str, float] = {"tokens": int(embeds.shape[1])}
    reference = None
    for name, solver in (("sequential", lambda: solve_sequential(model, embeds)),
                         ("blocks", lambda: solve_blocks(model, embeds, tol=tol)),
                         ("jacobi", lambda: solve_jacobi(model, embeds, tol=tol, max_iter=jacobi_sweeps))):
        best = float("inf")
        for _ in range(repeats):
            began = time.perf_counter()
            result = solver()
            best = min(best, time.perf_counter() - began)
        out[f"{name}_seconds"] = best
        if reference is None:
            reference = result.contexts
            continue
        out[f"{name}_sweeps"] = result.iterations
        out[f"{name}_converged"] = result.converged
        out[f"{name}_max_diff"] = float((result.contexts - reference).abs().max())
        out[f"{name}_speedup"] = out["sequential_seconds"] / best
    return out
