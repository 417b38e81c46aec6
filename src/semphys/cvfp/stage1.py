"""Training stage 1 (spec 004's "Phase 1", fixed-point learning) as the spec runs it: whole-stream passes.

(The module is `stage1`, not `phase1`: in semphys a "phase" is a phase transition, `semphys.phase`;
the spec's word stays in the prose and in the run documents' `phase1` / `phase2` keys.)

Spec 004 "Phase 1 の訓練ループ": every iteration processes the whole token stream one token after
another, the context carried over from the end of the previous pass (the listing never resets it),
and compares the contexts with those of the previous pass:

    spec loss       L = (1 - w) MSE(C^(n), C^(n-1).detach()) + w dist_loss      (n >= 1)
    corrected loss  L = (1 - w) MSE(C_2, C_1) + w dist_loss                      ("提案1")

C_1 and C_2 are two passes over the same tokens with the same weights, C_2 starting where C_1
ended. (Both from c = 0 they would be identical by construction, MSE = 0 always: the proposal
only means something with the carried context.) dist_loss is `model.get_distribution_loss()`,
which has no gradient (see `semphys.cvfp.model`). A token has converged when the MSE of its
context between consecutive passes is below `convergence_threshold` (0.02); Phase 1 stops once
`min_converged_ratio` (95%) have, after iteration 1, or after `max_iterations` (10). The learning
rate follows the spec's stages (2e-3 for iterations 1-3, 5e-4 for 4-8, 1e-4 after). Adam on the
blocks' parameters; the token embeddings are computed once, without gradient, as in the spec.

`gradient="bptt"` backpropagates through the whole sequential pass (the spec; memory grows with
the stream: the spec's 92k-token run was killed, exit 137). `gradient="onestep"` computes each pass
with the parallel solver and backpropagates through one application of F at the fixed point
(Jacobian-free backpropagation, Fung et al. 2022, AAAI): the same contexts, a cheaper gradient.
"""

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from semphys.core.errors import UserError
from semphys.cvfp.model import CVFPModel
from semphys.cvfp.parallel import parallel_contexts
from semphys.textlm.train import TrainingDiverged

LOSSES: tuple[str, ...] = ("spec", "corrected")
GRADIENTS: tuple[str, ...] = ("bptt", "onestep")


@dataclass(frozen=True)
class Stage1Config:
    """Spec 004 Phase 1 settings (`config.py`: phase1_*)."""

    loss: str = "spec"
    """`spec` (MSE to the previous pass) or `corrected` (two passes with the same weights, 提案1)."""
    max_iterations: int = 10
    """Passes at most (spec: phase1_max_iterations = 10)."""
    convergence_threshold: float = 0.02
    """A token has converged when its context MSE between passes is below this (spec: 0.02)."""
    min_converged_ratio: float = 0.95
    """Stop when this share of tokens has converged (spec: 0.95)."""
    dist_reg_weight: float = 0.2
    """w in (1 - w) cvfp + w dist (spec config: 0.2; its listing and refactoring test used 0.5)."""
    lr_stages: tuple[tuple[int, float], ...] = ((3, 0.002), (8, 0.0005), (10**9, 0.0001))
    """(last iteration, learning rate) in order: spec lr_warmup (1-3), lr_medium (4-8), lr_finetune (9+)."""
    gradient: str = "bptt"
    """`bptt` through the sequential pass (spec) or `onestep` at the parallel fixed point."""

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise UserError(f"unknown Phase 1 loss {self.loss!r}: choose from {', '.join(LOSSES)}")
        if self.gradient not in GRADIENTS:
            raise UserError(f"unknown gradient {self.gradient!r}: choose from {', '.join(GRADIENTS)}")
        if self.max_iterations < 2:
            raise UserError(
                f"max_iterations must be at least 2 (the first pass only records), got {self.max_iterations}"
            )

    def lr(self, iteration: int) -> float:
        """Learning rate of 1-based `iteration`."""
        return next(rate for last, rate in self.lr_stages if iteration <= last)


@dataclass
class Stage1Result:
    """Per iteration (1-based), what the spec's trainer printed."""

    iterations: list[dict[str, float]] = field(default_factory=list)
    """`iteration`, `lr`, `cvfp_loss`, `dist_loss`, `converged_ratio`, `seconds` (iteration 1: no update)."""
    stopped_early: bool = False
    """Whether `min_converged_ratio` was reached before `max_iterations`."""
    contexts: torch.Tensor | None = None
    """The contexts of the last pass, `[1, T, C]`."""


def stage1_pass(model: CVFPModel, embeds: torch.Tensor, start: torch.Tensor, gradient: str) -> torch.Tensor:
    """One pass over the stream from context `start`; differentiable as `gradient` says. `[1, T, C]`."""
    if gradient == "bptt":
        return model.contexts(embeds, start)
    fixed, _ = parallel_contexts(model, embeds, start)
    return model.step(torch.cat([start[:, None], fixed[:, :-1]], dim=1), embeds)


def converged_ratio(current: torch.Tensor, previous: torch.Tensor, threshold: float) -> float:
    """Share of tokens whose context MSE between two passes is below `threshold`. `[B, T, C]` each."""
    return float((((current - previous) ** 2).mean(dim=-1) < threshold).float().mean())


def run_stage1(
    model: CVFPModel, token_ids: torch.Tensor, config: Stage1Config = Stage1Config(), progress=None
) -> Stage1Result:
    """Spec 004 Phase 1 on one token stream (int64 `[T]`); returns the per-iteration log.

    `progress(iteration, record)` is called after every iteration when given.
    """
    if token_ids.ndim != 1 or token_ids.numel() < 2:
        raise UserError(f"Phase 1 needs a stream of at least 2 tokens, got shape {list(token_ids.shape)}")
    model.train()
    with torch.no_grad():
        embeds = model.embed(token_ids)[None]
    params = [p for block in model.blocks for p in block.parameters()]
    optimizer = torch.optim.Adam(params, lr=config.lr(1))
    result = Stage1Result()
    context = model.initial_context(1)
    previous = None
    w = config.dist_reg_weight
    for iteration in range(1, config.max_iterations + 1):
        began = time.perf_counter()
        lr = config.lr(iteration)
        for group in optimizer.param_groups:
            group["lr"] = lr
        contexts = stage1_pass(model, embeds, context, config.gradient)
        record = {"iteration": iteration, "lr": lr}
        if previous is not None:
            if config.loss == "spec":
                cvfp = F.mse_loss(contexts, previous)
            else:
                second = stage1_pass(model, embeds, contexts[:, -1].detach(), config.gradient)
                cvfp = F.mse_loss(second, contexts)
            dist = model.get_distribution_loss()
            loss = (1 - w) * cvfp + w * dist
            if not torch.isfinite(loss):
                raise TrainingDiverged(
                    f"Phase 1 loss became {float(loss.detach())} at iteration {iteration}; stopped before "
                    "updating (nothing is saved before Phase 1 ends)",
                    iteration,
                    None,
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            ratio = converged_ratio(contexts.detach(), previous, config.convergence_threshold)
            record.update(cvfp_loss=float(cvfp.detach()), dist_loss=float(dist), converged_ratio=ratio)
        record["seconds"] = time.perf_counter() - began
        result.iterations.append(record)
        if progress is not None:
            progress(iteration, record)
        previous = contexts.detach()
        context = previous[:, -1]
        if iteration > 1 and record["converged_ratio"] >= config.min_converged_ratio:
            result.stopped_early = iteration < config.max_iterations
            break
    result.contexts = previous
    return result
