"""The statistics every claim of semphys is judged with, in one place.

    permutation_p        (1 + #draws at least as extreme) / (1 + #draws) (Phipson & Smyth 2010)
    p_floor              the smallest p a number of draws allows: 1 / (1 + draws)
    percentile_interval  the central interval of a set of draws
    resample_clusters    bootstrap index sets that draw whole clusters (words, passages, seeds)
    bootstrap_interval   percentile interval of a statistic, clusters resampled with replacement
    paired_bootstrap_interval  the same for statistic(a) - statistic(b), both arms resampled jointly
    ratio_bootstrap_interval   sum(successes) / sum(trials) over clusters (multinomial weights)
    holm                 Holm's step-down adjustment of a family of p-values (Holm 1979)
    maxt_adjusted        Westfall-Young single-step max-T over positions (e.g. layers)
    mcnemar_p            exact McNemar test of two classifiers on the same items
    sign_flip_p          exact paired sign-flip permutation test (seeds, passages), with its floor
    wilson_interval      Wilson score interval of a proportion (Wilson 1927)
    dkw_epsilon          half-width of the Dvoretzky-Kiefer-Wolfowitz band of an ECDF
    nested_bootstrap     two-stage cluster bootstrap (items within clusters), all draws at once
    permute_by_document  a label constant within each document, permuted among documents
    rank_auroc           AUROC as Mann-Whitney U over average ranks
    swapped_auroc_null   paired permutation null of two scorers' AUROCs on the same items, by cluster

`better` is "higher" when a larger value is stronger evidence, "lower" when a smaller one is.
"""

import itertools
import math
import warnings
from collections.abc import Callable
from typing import Literal

import numpy as np
from scipy import stats as scipy_stats
from scipy.stats import rankdata

Better = Literal["higher", "lower"]
Statistic = Callable[[np.ndarray], float]

LEVEL = 0.95
"""Coverage of every interval semphys reports unless a caller says otherwise."""
EXACT_SIGN_FLIP_MAX = 16
"""Up to this many pairs the sign-flip test enumerates all 2^n flips; beyond, it draws them."""


def _signed(values: np.ndarray, better: Better) -> np.ndarray:
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    return np.asarray(values, dtype=np.float64) * (1.0 if better == "higher" else -1.0)


def permutation_p(value: float, draws: np.ndarray, better: Better) -> float:
    """One-sided p of `value` among null `draws` [n]: draws at least as extreme count as hits.

    Non-finite draws are dropped. Raises ValueError without any finite draw.
    """
    finite = np.asarray(draws, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        raise ValueError("a permutation p needs at least one finite null draw")
    hits = np.count_nonzero(_signed(finite, better) >= _signed(np.array(value), better))
    return float((1 + hits) / (1 + finite.size))


def p_floor(n_draws: int) -> float:
    """The smallest p that `n_draws` draws allow: 1 / (1 + n_draws)."""
    if n_draws < 0:
        raise ValueError(f"n_draws must be >= 0, got {n_draws}")
    return 1.0 / (1 + n_draws)


def percentile_interval(draws: np.ndarray, level: float = LEVEL, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The central `level` interval of `draws` along `axis` (non-finite draws ignored)."""
    tail = 100 * (1 - level) / 2
    with np.errstate(all="ignore"):
        low, high = np.nanpercentile(np.asarray(draws, dtype=np.float64), [tail, 100 - tail], axis=axis)
    return low, high


def resample_clusters(clusters: np.ndarray, n_draws: int, rng: np.random.Generator) -> list[np.ndarray]:
    """`n_draws` bootstrap index sets over items, each drawing whole clusters with replacement.

    clusters: [n_items] the cluster label of each item (a word, passage, document or seed). Each set
    holds the item indices of as many clusters as there are, drawn with replacement, so items nested
    in one cluster are never split.
    """
    labels, inverse = np.unique(np.asarray(clusters), return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(labels))]
    picks = rng.integers(len(labels), size=(n_draws, len(labels)))
    return [np.concatenate([members[k] for k in row]) for row in picks]


def _items(n: int, clusters: np.ndarray | None) -> np.ndarray:
    return np.arange(n) if clusters is None else np.asarray(clusters)


def bootstrap_interval(
    values: np.ndarray,
    n_draws: int,
    rng: np.random.Generator,
    *,
    clusters: np.ndarray | None = None,
    statistic: Statistic = np.mean,
    level: float = LEVEL,
) -> tuple[float, float]:
    """Percentile interval of statistic(values), resampling clusters (default: items) with replacement.

    values: [n_items, ...]; clusters: [n_items] labels, items of one label are drawn together.
    """
    values = np.asarray(values)
    draws = np.array([statistic(values[idx]) for idx in resample_clusters(_items(len(values), clusters), n_draws, rng)])
    low, high = percentile_interval(draws, level)
    return float(low), float(high)


def paired_bootstrap_interval(
    a: np.ndarray,
    b: np.ndarray,
    n_draws: int,
    rng: np.random.Generator,
    *,
    clusters: np.ndarray | None = None,
    statistic: Statistic = np.mean,
    level: float = LEVEL,
) -> tuple[float, float]:
    """Percentile interval of statistic(a) - statistic(b), with a and b resampled by the same indices.

    a, b: [n_items] paired values (the same windows, passages or seeds scored by two arms).
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"paired arms must have as many items, got {a.shape[0]} and {b.shape[0]}")
    sets = resample_clusters(_items(len(a), clusters), n_draws, rng)
    draws = np.array([statistic(a[idx]) - statistic(b[idx]) for idx in sets])
    low, high = percentile_interval(draws, level)
    return float(low), float(high)


def ratio_bootstrap_interval(
    successes: np.ndarray, trials: np.ndarray, n_draws: int, rng: np.random.Generator, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of sum(successes) / sum(trials), clusters resampled with replacement.

    successes: [n_clusters, ...] counts per cluster (e.g. correct items per word and layer);
    trials: [n_clusters] items per cluster. Drawn as multinomial cluster weights, one matrix product.
    """
    n = len(trials)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_draws).astype(np.float64)
    successes = np.asarray(successes, dtype=np.float64)
    flat = successes.reshape(n, -1)
    pooled = (weights @ flat) / (weights @ np.asarray(trials, dtype=np.float64))[:, None]
    low, high = percentile_interval(pooled.reshape((n_draws, *successes.shape[1:])), level)
    return low, high


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control over the family given)."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def maxt_adjusted(observed: np.ndarray, null: np.ndarray, better: Better) -> np.ndarray:
    """Westfall-Young single-step max-T adjusted p per position (Westfall & Young 1993).

    observed: [P] a statistic per position (e.g. accuracy per layer); null: [n_draws, P] the same
    statistic under the null, each draw one joint draw over all positions. Each position is
    standardised by its null mean and spread, so positions of different scale compete fairly; the p
    of position l is (1 + #draws whose max over positions >= t_l) / (1 + n_draws). Picking the best
    of P positions afterwards keeps the family-wise error at the nominal level.
    """
    null = _signed(null, better)
    obs = _signed(observed, better)
    centre = null.mean(axis=0)
    spread = null.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    t_obs = (obs - centre) / spread
    t_max = ((null - centre) / spread).max(axis=1)
    return (1 + (t_max[None, :] >= t_obs[:, None]).sum(axis=1)) / (1 + null.shape[0])


def mcnemar_p(correct_a: np.ndarray, correct_b: np.ndarray, alternative: str = "greater") -> float:
    """Exact McNemar p of classifier a against b on the same items (binomial on the discordant pairs).

    alternative "greater": a is right more often than b; "two-sided" also available. Without
    discordant pairs the two cannot be told apart: p = 1.
    """
    a, b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    only_a, only_b = int(np.count_nonzero(a & ~b)), int(np.count_nonzero(b & ~a))
    if only_a + only_b == 0:
        return 1.0
    return float(scipy_stats.binomtest(only_a, only_a + only_b, 0.5, alternative=alternative).pvalue)


def sign_flip_p(
    differences: np.ndarray, better: Better, n_draws: int = 9999, rng: np.random.Generator | None = None
) -> tuple[float, float]:
    """One-sided paired sign-flip test of mean(differences) (a - b per seed or passage): (p, floor).

    With at most `EXACT_SIGN_FLIP_MAX` pairs every one of the 2^n flips is enumerated (exact; the
    floor is 1 / 2^n: 5 seeds can never give p below 1/32). Beyond, `n_draws` random flips are
    drawn and counted as `permutation_p` (floor 1 / (1 + n_draws)).
    """
    d = _signed(differences, better)
    n = d.size
    if n == 0:
        raise ValueError("a sign-flip test needs at least one pair")
    observed = d.mean()
    if n <= EXACT_SIGN_FLIP_MAX:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        means = signs @ d / n
        return float(np.mean(means >= observed - 1e-12 * max(1.0, abs(observed)))), 0.5**n
    rng = rng if rng is not None else np.random.default_rng(0)
    means = rng.choice((1.0, -1.0), size=(n_draws, n)) @ d / n
    return permutation_p(observed, means, "higher"), p_floor(n_draws)


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927); (nan, nan) for n = 0."""
    if n == 0:
        return (math.nan, math.nan)
    ci = scipy_stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return (float(ci.low), float(ci.high))


def dkw_epsilon(n: int, level: float = LEVEL) -> float:
    """Half-width of the Dvoretzky-Kiefer-Wolfowitz band: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2)."""
    return math.sqrt(math.log(2 / (1 - level)) / (2 * n))


def nested_bootstrap(
    values: np.ndarray,
    clusters: np.ndarray,
    n_draws: int,
    rng: np.random.Generator,
    statistic: Callable[..., np.ndarray] = np.nanmedian,
) -> np.ndarray:
    """Bootstrap draws [n_draws] of statistic(values) with items nested in clusters (prompts in words).

    Each draw takes as many clusters as there are, with replacement, then within each drawn cluster as
    many of its items as it has, with replacement (a two-stage cluster bootstrap; `evidence`'s
    `resample_clusters` is the one-stage version). Non-finite values are dropped first. All draws at
    once: each draw's items fill a row padded with NaN, so `statistic(array, axis=-1)` must ignore
    NaN (`np.nanmedian`, `nan_coefficient_of_variation`); a draw it cannot compute is NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    clusters = np.asarray(clusters)
    keep = np.isfinite(values)
    values, clusters = values[keep], clusters[keep]
    if len(values) == 0 or n_draws == 0:
        return np.full(n_draws, np.nan)
    labels = np.unique(clusters)
    sizes = np.array([np.count_nonzero(clusters == label) for label in labels])
    padded = np.full((len(labels), sizes.max()), np.nan)
    for k, label in enumerate(labels):
        padded[k, : sizes[k]] = values[clusters == label]
    picks = rng.integers(len(labels), size=(n_draws, len(labels)))  # [D, K] clusters drawn
    size = sizes[picks][..., None]  # [D, K, 1]
    within = np.minimum((rng.random((n_draws, len(labels), sizes.max())) * size).astype(np.int64), size - 1)
    sample = padded[picks[..., None], within]
    sample = np.where(np.arange(sizes.max())[None, None, :] < size, sample, np.nan).reshape(n_draws, -1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN draw is NaN, said once here
        return np.asarray(statistic(sample, axis=-1), dtype=np.float64)


def permute_by_document(labels: np.ndarray, documents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`labels` [N] (one per token, constant within a document) with whole documents' labels permuted
    among the documents `documents` [N]: the null that keeps the clustering within documents."""
    _, first, inverse = np.unique(documents, return_index=True, return_inverse=True)
    doc_labels = labels[first]
    return doc_labels[rng.permutation(doc_labels.size)][inverse]


def rank_auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """AUROC of `scores` [n] for `positive` [n] bool (Mann-Whitney U over average ranks); NaN without both classes."""
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def swapped_auroc_null(
    scores: np.ndarray,
    other: np.ndarray,
    positive: np.ndarray,
    clusters: np.ndarray,
    rng: np.random.Generator,
    n_draws: int = 1999,
) -> np.ndarray:
    """Null draws [n_draws] of AUROC(scores) when `scores` and `other` score the items equally well.

    Both scorers are turned into ranks over all items (so their scales are exchangeable), then, per
    draw, each cluster's items take the other scorer's ranks with probability 1/2 (a paired
    permutation test of two ROC curves on the same items, Venkatraman & Begg 1996, by cluster). Under
    the null the AUROC of the mixed scores is as large as the real one as often as not; the draws
    centre between the two scorers' AUROCs.
    """
    positive = np.asarray(positive, dtype=bool)
    mine, theirs = rankdata(scores) / len(positive), rankdata(other) / len(positive)
    labels, inverse = np.unique(np.asarray(clusters), return_inverse=True)
    draws = np.empty(n_draws)
    for i in range(n_draws):
        flip = rng.random(len(labels)) < 0.5
        draws[i] = rank_auroc(np.where(flip[inverse], theirs, mine), positive)
    return draws
