"""Unigram and bigram baselines with add-k smoothing, k chosen on held-out training text.

P(b | a) = (c(a, b) + k) / (c(a) + k V) for the bigram, P(b) = (c(b) + k) / (N + k V) for the
unigram (Jurafsky & Martin, "Speech and Language Processing", ch. 3, add-k smoothing). `fit_ngram`
chooses k from `K_GRID` by perplexity on the last `holdout_fraction` of the training stream (never
on validation text), then counts the whole training stream with that k. Counts span document
boundaries: `<eos>` is an ordinary context token. Bigram counts are kept sparse (sorted pair
codes), so a 4096-entry vocabulary costs memory in the number of distinct pairs, not V^2.
"""

from dataclasses import dataclass

import numpy as np

from semphys.core.errors import UserError
from semphys.textlm.batches import Batch

K_GRID: tuple[float, ...] = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
"""Candidate add-k constants."""

HOLDOUT_FRACTION = 0.05
"""Share of the training stream, at its end, on which k is chosen."""


@dataclass(frozen=True)
class NgramLM:
    """Counts of an add-k smoothed unigram (order 1) or bigram (order 2) model."""

    order: int
    k: float
    vocab_size: int
    unigram: np.ndarray
    """float64 `[V]`: count of each token (as a context for the bigram, as an outcome for the unigram)."""
    pair_codes: np.ndarray
    """int64 `[n_pairs]`, sorted: a * V + b for every distinct bigram (a, b); empty for order 1."""
    pair_counts: np.ndarray
    """float64 `[n_pairs]`: counts of those bigrams."""

    def nll(self, previous: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """-log P(target | previous) per token, float64 `[n]` (previous is ignored by the unigram)."""
        v = self.vocab_size
        if self.order == 1:
            return -np.log((self.unigram[targets] + self.k) / (self.unigram.sum() + self.k * v))
        codes = previous.astype(np.int64) * v + targets
        at = np.searchsorted(self.pair_codes, codes)
        at_clipped = np.minimum(at, max(0, self.pair_codes.size - 1))
        found = (at < self.pair_codes.size) & (self.pair_codes[at_clipped] == codes)
        joint = np.where(found, self.pair_counts[at_clipped], 0.0)
        return -np.log((joint + self.k) / (self.unigram[previous] + self.k * v))

    def perplexity(self, windows: Batch) -> float:
        """Per-token perplexity on the evaluation windows (the same targets the neural models predict)."""
        nll = self.nll(windows.inputs.reshape(-1).numpy(), windows.targets.reshape(-1).numpy())
        return float(np.exp(nll.mean()))


def count_ngram(ids: np.ndarray, vocab_size: int, order: int, k: float) -> NgramLM:
    """Counts of `ids` (int `[n]`) for an order-1 or order-2 model with add-k constant `k`."""
    if order not in (1, 2):
        raise UserError(f"n-gram order must be 1 or 2, got {order}")
    if not k > 0:
        raise UserError(f"add-k constant must be positive, got {k}")
    ids = np.asarray(ids, dtype=np.int64)
    if order == 1:
        return NgramLM(
            1,
            k,
            vocab_size,
            np.bincount(ids, minlength=vocab_size).astype(np.float64),
            np.zeros(0, np.int64),
            np.zeros(0),
        )
    codes, counts = np.unique(ids[:-1] * vocab_size + ids[1:], return_counts=True)
    contexts = np.bincount(ids[:-1], minlength=vocab_size).astype(np.float64)
    return NgramLM(2, k, vocab_size, contexts, codes, counts.astype(np.float64))


def fit_ngram(
    ids: np.ndarray, vocab_size: int, order: int, k: float | None = None, holdout_fraction: float = HOLDOUT_FRACTION
) -> NgramLM:
    """An add-k n-gram of the training stream `ids`; k from `K_GRID` on its held-out tail when None."""
    ids = np.asarray(ids, dtype=np.int64)
    if ids.size < 20:
        raise UserError(f"an n-gram needs at least 20 training tokens, got {ids.size}")
    if k is None:
        cut = int(ids.size * (1 - holdout_fraction))
        head, tail = ids[:cut], ids[cut - 1 :]
        scores = {}
        for candidate in K_GRID:
            model = count_ngram(head, vocab_size, order, candidate)
            scores[candidate] = float(model.nll(tail[:-1], tail[1:]).mean())
        k = min(scores, key=scores.get)
    return count_ngram(ids, vocab_size, order, k)
