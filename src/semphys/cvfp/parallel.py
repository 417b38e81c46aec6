"""All contexts of a token sequence at once: the recurrence c_t = F(c_{t-1}, e_t) as a fixed point.

The spec computes contexts one token after another (92,047 Python steps per Phase 1 iteration).
The whole trajectory C = (c_1 .. c_T) is the fixed point of G(C)_t = F(C_{t-1}, e_t), C_0 = c_0,
and can be computed with O(T)-wide tensor operations instead of T small ones. This module builds
that problem from a model (`recurrence`) and hands it to the project's one solver interface,
`semphys.core.fixedpoint.solve`, with method `jacobi` (every position at once; exact after T sweeps,
geometric when F contracts) or `block_jacobi` (blocks of about sqrt(T) tokens run sequentially, all
at once; exact after n_blocks sweeps, 2 or 3 when F forgets its start within a block). Residuals are
the largest absolute change (`norm="max"`), per sequence.

Newton's method on the whole trajectory (DEER: Lim et al. 2024, "Parallelizing non-linear
sequential models over the sequence length", ICLR) was tried and dropped: on the spec's
LayerNorm'd F its linearisation leaves the sphere the contexts live on, and from a cold start the
first Newton step already overshot to |c| ~ 1e29 (2,000 tokens, spec initialisation).

Parallel solvers run with the layers' EMA statistics frozen (they evaluate F many times per pass).
`sequential_contexts` is the reference loop.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from semphys.core.errors import UserError
from semphys.core.fixedpoint import Recurrence, SolverStats, solve
from semphys.cvfp.model import CVFPModel

PARALLEL_METHODS: tuple[str, ...] = ("jacobi", "block_jacobi")
"""The `semphys.core.fixedpoint` methods that compute a whole sequence's contexts at once."""


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
def sequential_contexts(model: CVFPModel, embeds: torch.Tensor, c0: torch.Tensor | None = None) -> torch.Tensor:
    """The spec's loop, one token after another. embeds `[B, T, E]`, c0 `[B, C]` (default 0) -> `[B, T, C]`."""
    c0 = _start(model, embeds, c0)
    with frozen_running_stats(model):
        return model.contexts(embeds, c0)


def recurrence(model: CVFPModel, embeds: torch.Tensor, c0: torch.Tensor | None = None) -> Recurrence:
    """The fixed-point problem of the contexts: F = `model.step` over embeds `[B, T, E]` from c0 `[B, C]`."""
    return Recurrence(model.step, embeds, _start(model, embeds, c0))


def parallel_contexts(
    model: CVFPModel,
    embeds: torch.Tensor,
    c0: torch.Tensor | None = None,
    method: str = "block_jacobi",
    tol: float = 1e-5,
    max_iter: int | None = None,
) -> tuple[torch.Tensor, SolverStats]:
    """Contexts `[B, T, C]` of embeds `[B, T, E]` by a parallel `method`, with the solver's per-sequence stats.

    Starts from c0 at every position; EMA statistics frozen; no gradient.
    """
    if method not in PARALLEL_METHODS:
        raise UserError(f"unknown solver {method!r}: choose from {', '.join(PARALLEL_METHODS)}")
    problem = recurrence(model, embeds, c0)
    x0 = problem.start[:, None].expand(-1, embeds.shape[1], -1).clone()
    with frozen_running_stats(model):
        return solve(problem, x0, method=method, tol=tol, max_iter=max_iter, norm="max")


def compare_solvers(
    model: CVFPModel, embeds: torch.Tensor, tol: float = 1e-5, repeats: int = 2, jacobi_sweeps: int = 200
) -> dict[str, float]:
    """Sequential loop vs block Jacobi vs Jacobi on `embeds` `[1, T, E]`: best-of-`repeats` seconds,
    sweeps, converged (residual <= tol) and noise floor (see `semphys.core.fixedpoint`), largest difference
    from the sequential contexts, and speed-ups (sequential / parallel). Jacobi stops after
    `jacobi_sweeps` sweeps (it needs up to T when F does not contract). Keys keep the `blocks_` prefix
    of eval.json for block Jacobi."""
    out: dict[str, float] = {"tokens": int(embeds.shape[1])}
    reference = None
    for name, solver in (
        ("sequential", lambda: (sequential_contexts(model, embeds), None)),
        ("blocks", lambda: parallel_contexts(model, embeds, method="block_jacobi", tol=tol)),
        ("jacobi", lambda: parallel_contexts(model, embeds, method="jacobi", tol=tol, max_iter=jacobi_sweeps)),
    ):
        best = float("inf")
        for _ in range(repeats):
            began = time.perf_counter()
            contexts, stats = solver()
            best = min(best, time.perf_counter() - began)
        out[f"{name}_seconds"] = best
        if reference is None:
            reference = contexts
            continue
        out[f"{name}_sweeps"] = int(stats.iterations.max())
        out[f"{name}_converged"] = bool(stats.converged.all())
        out[f"{name}_noise_floor"] = bool(stats.noise_floor.any())
        out[f"{name}_max_diff"] = float((contexts - reference).abs().max())
        out[f"{name}_speedup"] = out["sequential_seconds"] / best
    return out
