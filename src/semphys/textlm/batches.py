"""[batch, seq] windows of a token stream, with the origin of every input token.

Training batches are random windows drawn by a generator seeded with `(seed, step)`: the batch of a
step does not depend on what ran before it, so a run resumed at step s sees exactly the batches the
uninterrupted run saw. Evaluation windows are consecutive and do not overlap, so every token of the
stream but the first is predicted exactly once, by every model (n-gram counts included).
"""

from dataclasses import dataclass

import numpy as np
import torch

from semphys.core.errors import UserError
from semphys.textlm.data import TokenSplit


@dataclass(frozen=True)
class Batch:
    """Next-token prediction windows: `targets[b, t]` is the token after `inputs[b, t]`."""

    inputs: torch.Tensor
    """int64 `[batch, seq]`: token ids."""
    targets: torch.Tensor
    """int64 `[batch, seq]`: the next token of each input."""
    origins: torch.Tensor
    """int64 `[batch, seq]`: origin index of each input token's document."""

    @property
    def n_tokens(self) -> int:
        """Predicted tokens in the batch: batch x seq."""
        return int(self.targets.numel())

    def rows(self, start: int, stop: int) -> "Batch":
        """Windows `start:stop` as a batch of their own."""
        return Batch(self.inputs[start:stop], self.targets[start:stop], self.origins[start:stop])

    def __len__(self) -> int:
        return int(self.inputs.shape[0])


def _check_length(split: TokenSplit, seq_len: int) -> None:
    if seq_len < 1:
        raise UserError(f"seq_len must be at least 1, got {seq_len}")
    if len(split) < seq_len + 1:
        raise UserError(
            f"a stream of {len(split)} tokens cannot fill one window of {seq_len} + 1 tokens: "
            f"use a shorter seq_len or more text"
        )


def _gather(split: TokenSplit, starts: np.ndarray, seq_len: int) -> Batch:
    index = starts[:, None] + np.arange(seq_len + 1)[None, :]
    ids = torch.from_numpy(split.ids[index])
    origins = torch.from_numpy(split.origins[index[:, :-1]])
    return Batch(ids[:, :-1].contiguous(), ids[:, 1:].contiguous(), origins)


def random_batch(split: TokenSplit, batch_size: int, seq_len: int, seed: int, step: int) -> Batch:
    """`batch_size` windows of `seq_len` tokens at random offsets, drawn from `(seed, step)` alone."""
    _check_length(split, seq_len)
    if batch_size < 1:
        raise UserError(f"batch_size must be at least 1, got {batch_size}")
    rng = np.random.default_rng([seed, step])
    starts = rng.integers(0, len(split) - seq_len, size=batch_size)
    return _gather(split, starts, seq_len)


def eval_windows(split: TokenSplit, seq_len: int, max_windows: int | None = None) -> Batch:
    """Consecutive non-overlapping windows covering the stream: `(n_tokens - 1) // seq_len` of them.

    Window w predicts tokens `w * seq_len + 1 ... (w + 1) * seq_len`; `max_windows` keeps the first ones.
    """
    _check_length(split, seq_len)
    n = (len(split) - 1) // seq_len
    if max_windows is not None:
        n = min(n, max_windows)
    return _gather(split, np.arange(n) * seq_len, seq_len)
