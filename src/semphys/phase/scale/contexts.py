"""The phase diagram at WordNet scale (spec 001 exp. 5): sigma over (words of context, layer), pooled over words.

Each judged example sentence grows word by word around its target, as `semphys.phase.diagram`
does for one word (`gradient_contexts`): left context first, nearest word first ("the bank", "to the
bank", ...), then the words after the target. In a causal model the target never sees the words
after it, so only the left contexts are forwarded (the right ones would repeat the last left one).
Contexts are capped at `max_context` words. Each context's sigma is read on its word's gloss
contrast (the primary design) and signed by the item's class, as the judged curves are.

Pooling: per word and number of context words n, the mean signed sigma of its contexts with n words;
then the mean over the words that have such contexts (each word counts once). The **critical line**
is, for each n, the first fitted layer from which the pooled sign has settled: the lower end of the
95% word-bootstrap interval of the pooled mean stays above 0 at that layer and every deeper one.
"""

from dataclasses import dataclass

import numpy as np

from semphys.core.errors import UserError
from semphys.evidence.stats import percentile_interval
from semphys.phase.diagram import gradient_contexts
from semphys.phase.transition import sigma_half_rise


@dataclass(frozen=True)
class ItemContext:
    """One growing context of one judged item."""

    word: int
    """Index of the word among the model's words."""
    item: int
    """Row of the item among the word's sighted judged items."""
    n_context: int
    text: str


def item_contexts(sentence: str, lemma: str, causal: bool, max_context: int) -> list[tuple[int, str]]:
    """(words of context, text) of one sentence's growing contexts; [] when the target is not a whole word of it."""
    try:
        contexts = gradient_contexts(sentence.split(), lemma)
    except UserError:
        return []
    return [(c.n_context, c.text) for c in contexts if c.n_context <= max_context and (not causal or c.side == "left")]


@dataclass(frozen=True)
class CriticalLine:
    """The pooled phase diagram and where its sign settles."""

    n_context: np.ndarray
    """[N] words of context, 1..max"""
    layers: np.ndarray
    """[P] the fitted layers"""
    mean: np.ndarray
    """[N, P] pooled mean signed sigma"""
    low: np.ndarray
    high: np.ndarray
    """[N, P] 95% interval, words resampled"""
    n_words: np.ndarray
    """[N] words with a context of n words"""
    settle_layer: list[int | None]
    """[N] the first fitted layer from which the lower end stays above 0 (None: never)"""
    half_rise: np.ndarray
    """[N] the fit-free half-rise layer of the pooled curve (`transition.sigma_half_rise`)"""

    def to_dict(self) -> dict:
        return {
            "n_context": self.n_context.tolist(),
            "layers": self.layers.tolist(),
            "n_words": self.n_words.tolist(),
            "settle_layer": self.settle_layer,
            "half_rise": [None if not np.isfinite(v) else float(v) for v in self.half_rise],
            "mean": self.mean.tolist(),
            "low": self.low.tolist(),
            "high": self.high.tolist(),
        }


def settle_layers(low: np.ndarray, layers: np.ndarray) -> list[int | None]:
    """Per row of low [N, P]: the first layer from which low stays > 0 to the last layer."""
    out: list[int | None] = []
    for row in low:
        above = np.nan_to_num(row, nan=-np.inf) > 0
        if not above[-1]:
            out.append(None)
            continue
        below = np.flatnonzero(~above)
        out.append(int(layers[below[-1] + 1]) if len(below) else int(layers[0]))
    return out


def critical_line(
    sigma: np.ndarray,
    words: np.ndarray,
    n_context: np.ndarray,
    fit_layers: np.ndarray,
    n_words: int,
    n_bootstrap: int,
    rng: np.random.Generator,
) -> CriticalLine | None:
    """Pool signed sigma [n_contexts, L + 1] over words (see the module docstring).

    words: [n_contexts] word index of each context; n_context: [n_contexts] its words of context.
    """
    if len(sigma) == 0:
        return None
    counts_n = np.unique(n_context)
    columns = np.arange(1, int(counts_n.max()) + 1)
    y = sigma[:, fit_layers]
    sums = np.zeros((n_words, len(columns), len(fit_layers)))
    counts = np.zeros((n_words, len(columns)))
    np.add.at(sums, (words, n_context - 1), y)
    np.add.at(counts, (words, n_context - 1), 1.0)
    present = counts > 0
    per_word = np.where(present[..., None], sums / np.maximum(counts, 1)[..., None], 0.0)  # [W, N, P]
    weights = np.ones((1, n_words))
    boot = rng.multinomial(n_words, np.full(n_words, 1.0 / n_words), size=n_bootstrap).astype(np.float64)
    weights = np.concatenate([weights, boot])  # [1 + B, W]
    totals = np.einsum("bw,wnp->bnp", weights, per_word)
    have = weights @ present.astype(np.float64)  # [1 + B, N]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals / have[..., None]
    mean = means[0]
    low, high = percentile_interval(means[1:])
    keep = present.sum(axis=0) > 0
    return CriticalLine(
        n_context=columns[keep],
        layers=np.asarray(fit_layers),
        mean=mean[keep],
        low=low[keep],
        high=high[keep],
        n_words=present.sum(axis=0)[keep].astype(int),
        settle_layer=settle_layers(low[keep], np.asarray(fit_layers)),
        half_rise=sigma_half_rise(mean[keep], np.asarray(fit_layers, dtype=np.float64)),
    )
