"""`fit`: the one training loop of the small language models (seeded, guarded, checkpointed, resumable).

- **Seeded**: `build_seeded` initialises a model from a seed without touching the global RNG;
  the batch of step s comes from `batch_fn(s)` alone (see `semphys.textlm.batches`), and no layer
  uses dropout, so the same seed gives the same model on the same machine.
- **Guarded**: a non-finite loss or gradient, or a loss above `max_loss_ratio` times its running
  mean, stops the run with `TrainingDiverged` (a `UserError`) naming the step; the last checkpoint,
  written before the bad step, is kept.
- **Checkpointed**: every `checkpoint_every` steps and at the end, model tensors, optimiser state,
  step, loss history and both configs go to one safetensors file (`semphys.core.checkpoint`).
- **Resumable**: `fit` on an existing checkpoint of the same model and training config continues
  from its step and gives the same parameters as a run that was never interrupted.

AdamW (Loshchilov & Hutter 2019) with decoupled weight decay on matrices only, gradient clipping,
linear warm-up then cosine decay to `min_lr_ratio` of the peak (or any schedule passed in).
"""

import dataclasses
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch
from tqdm import tqdm

from semphys.core.checkpoint import load_checkpoint, save_checkpoint
from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_non_negative, require_positive, require_range

M = TypeVar("M", bound=torch.nn.Module)
LossFn = Callable[[torch.nn.Module, Any], tuple[torch.Tensor, dict[str, float]]]
"""loss_fn(model, batch) -> (scalar loss to minimise, metrics to log)."""

# Fields of TrainConfig that may differ between an interrupted run and its resumption.
_RESUMABLE_FIELDS = frozenset({"steps", "checkpoint_every", "log_every"})


@dataclass(frozen=True)
class TrainConfig:
    """How long and how a model trains; stored in its checkpoint."""

    steps: int = 1000
    """Optimiser steps."""
    batch_size: int = 32
    """Windows per step."""
    seq_len: int = 64
    """Tokens per window."""
    lr: float = 3e-3
    """Peak learning rate."""
    min_lr_ratio: float = 0.1
    """The cosine decay ends at this fraction of `lr`."""
    warmup_steps: int = 20
    """Linear warm-up steps from 0 to `lr`."""
    weight_decay: float = 0.01
    """AdamW decoupled weight decay on parameters with 2 or more dimensions."""
    grad_clip: float = 1.0
    """Clip the global gradient norm to this value (0: no clipping)."""
    seed: int = 0
    """Seed of the model's initialisation and of the batches."""
    checkpoint_every: int = 100
    """Write a checkpoint every this many steps (and at the end)."""
    log_every: int = 10
    """Average the logged metrics over this many steps."""
    max_loss_ratio: float = 4.0
    """Divergence guard: a loss above this multiple of its running mean stops the run."""

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "seq_len", "checkpoint_every", "log_every"):
            require_at_least(name, getattr(self, name), 1)
        require_positive("lr", self.lr)
        require_range("min_lr_ratio", self.min_lr_ratio, 0.0, 1.0)
        require_non_negative("warmup_steps", self.warmup_steps)
        require_non_negative("weight_decay", self.weight_decay)
        require_non_negative("grad_clip", self.grad_clip)
        require_at_least("max_loss_ratio", self.max_loss_ratio, 1.0)

    @property
    def tokens(self) -> int:
        """Training tokens seen over the whole run: steps x batch x seq."""
        return self.steps * self.batch_size * self.seq_len


class TrainingDiverged(UserError):
    """The loss or a gradient became non-finite or exploded; carries the step and the checkpoint kept."""

    def __init__(self, message: str, step: int, checkpoint_step: int | None) -> None:
        super().__init__(message)
        self.step = step
        self.checkpoint_step = checkpoint_step


@dataclass
class TrainResult:
    """What happened in `fit`."""

    steps: int
    """Steps completed (including those of a resumed run)."""
    history: list[dict[str, float]] = field(default_factory=list)
    """Every `log_every` steps: `step`, `lr`, `loss` and the loss function's metrics (means)."""
    seconds: float = 0.0
    """Training wall time, summed over the interrupted and resumed parts."""
    resumed_from: int | None = None
    """The checkpoint step this call started from, None for a fresh run."""
    checkpoint: Path | None = None


def cosine_lr(config: TrainConfig, step: int) -> float:
    """Learning rate at (0-based) `step`: linear warm-up, then cosine from `lr` to `min_lr_ratio * lr`."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    span = max(1, config.steps - config.warmup_steps)
    progress = min(1.0, (step - config.warmup_steps) / span)
    floor = config.min_lr_ratio
    return config.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def build_seeded(factory: Callable[[], M], seed: int) -> M:
    """`factory()` with torch's RNG seeded by `seed`; the caller's RNG state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory()


def make_optimizer(params: list[torch.nn.Parameter], config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices (embeddings, weights) and none on vectors (biases, norms)."""
    decay = [p for p in params if p.ndim >= 2]
    plain = [p for p in params if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": plain, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=config.lr)


def _resume(
    path: Path, model: torch.nn.Module, model_config: Any, config: TrainConfig, optimizer: torch.optim.Optimizer
) -> tuple[int, list[dict[str, float]], float]:
    ckpt = load_checkpoint(path, type(model_config), expected=model_config)
    saved = ckpt.extra.get("train_config", {})
    wanted = dataclasses.asdict(config)
    differ = sorted(k for k in wanted if k not in _RESUMABLE_FIELDS and saved.get(k) != wanted[k])
    if differ:
        detail = ", ".join(f"{k}: saved {saved.get(k)!r}, now {wanted[k]!r}" for k in differ)
        raise UserError(
            f"{path} was trained with another training config ({detail}); "
            "use another output directory or the same options"
        )
    model.load_state_dict(ckpt.tensors)
    if ckpt.optimizer_state is None:
        raise UserError(f"{path} holds no optimiser state: it is a final model, not a training checkpoint")
    optimizer.load_state_dict(ckpt.optimizer_state)
    return int(ckpt.extra["step"]), list(ckpt.extra.get("history", [])), float(ckpt.extra.get("seconds", 0.0))


def fit(
    model: torch.nn.Module,
    model_config: Any,
    loss_fn: LossFn,
    batch_fn: Callable[[int], Any],
    config: TrainConfig,
    checkpoint: Path | None = None,
    *,
    description: str = "train",
    progress: bool = True,
    lr_schedule: Callable[[int], float] | None = None,
    guard_after: int = 10,
) -> TrainResult:
    """Train `model` for `config.steps` steps of `loss_fn(model, batch_fn(step))`.

    `checkpoint`: the file to write every `checkpoint_every` steps and to resume from when it
    exists (None: no checkpoints). `lr_schedule(step)` replaces the cosine schedule. The guard
    compares the loss with its running mean only after `guard_after` steps of this call.
    Raises `TrainingDiverged` (see the module docstring) and `UserError` for a checkpoint of
    another model or training config.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(params, config)
    schedule = lr_schedule or (lambda s: cosine_lr(config, s))
    start, history, seconds_before = 0, [], 0.0
    if checkpoint is not None and Path(checkpoint).exists():
        start, history, seconds_before = _resume(Path(checkpoint), model, model_config, config, optimizer)
    result = TrainResult(
        steps=start,
        history=history,
        seconds=seconds_before,
        resumed_from=start if start else None,
        checkpoint=checkpoint,
    )
    last_saved = start if start else None
    began = time.perf_counter()

    def save(step: int) -> None:
        nonlocal last_saved
        if checkpoint is None:
            return
        extra = {
            "step": step,
            "history": result.history,
            "train_config": dataclasses.asdict(config),
            "seconds": seconds_before + time.perf_counter() - began,
        }
        save_checkpoint(
            Path(checkpoint), model.state_dict(), model_config, extra, optimizer_state=optimizer.state_dict()
        )
        last_saved = step

    def diverged(step: int, what: str) -> TrainingDiverged:
        kept = (
            f"the last good checkpoint (step {last_saved}) is kept at {checkpoint}"
            if last_saved is not None
            else "no checkpoint had been written yet"
        )
        return TrainingDiverged(f"{description}: {what} at step {step}; training stopped, {kept}", step, last_saved)

    model.train()
    running, sums, count = None, {}, 0
    bar = tqdm(
        total=config.steps,
        initial=start,
        desc=description,
        disable=not progress,
        file=sys.stderr,
        mininterval=1.0,
        leave=False,
    )
    try:
        for step in range(start, config.steps):
            lr = schedule(step)
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss, metrics = loss_fn(model, batch_fn(step))
            value = float(loss.detach())
            if not math.isfinite(value):
                raise diverged(step + 1, f"loss became {value}")
            if running is not None and step - start >= guard_after and value > config.max_loss_ratio * running:
                raise diverged(step + 1, f"loss exploded to {value:.4g} (running mean {running:.4g})")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(params, config.grad_clip if config.grad_clip > 0 else float("inf"))
            if not torch.isfinite(norm):
                raise diverged(step + 1, f"gradient norm became {float(norm)}")
            optimizer.step()
            running = value if running is None else 0.9 * running + 0.1 * value
            for key, v in {"loss": value, **metrics}.items():
                sums[key] = sums.get(key, 0.0) + v
            count += 1
            done = step + 1
            if done % config.log_every == 0 or done == config.steps:
                result.history.append({"step": done, "lr": lr, **{k: v / count for k, v in sums.items()}})
                bar.set_postfix(loss=f"{sums['loss'] / count:.3f}", refresh=False)
                sums, count = {}, 0
            result.steps = done
            bar.update(1)
            if done % config.checkpoint_every == 0 or done == config.steps:
                save(done)
    finally:
        bar.close()
    result.seconds = seconds_before + time.perf_counter() - began
    return result
