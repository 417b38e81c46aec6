"""Null controls: what sigma looks like when there is no sense signal to find.

random directions  e_A, e_B replaced by independent isotropic random unit vectors (one pair per
                   draw, used at every layer). sigma is then a difference of two cosines with
                   directions that know nothing of the word: its spread is the noise floor of the
                   measurement (about sqrt(2 / d_model) for unrelated vectors).
label shuffle      the anchors of both senses pooled and re-split at random into groups of the
                   original sizes, each group holding the two senses in the pooled proportion
                   (`balanced_counts`). Directions then contrast two sense-free groups of the same
                   sentences: a declared-sense prompt's sigma under this null shows how much any
                   split of these sentences gives without sense information.

Both return sigma for every prompt and draw, [n_draws, n_prompts, n_layers + 1], so the same
statistics (jump, fits, sign accuracy) can be computed on the null as on the real curves.
"""

import itertools
import math

import numpy as np

from semphys.phase.order import order_parameter, sense_direction, unit


def random_direction_sigma(phi: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """sigma with random unit directions. phi: [n_prompts, n_layers + 1, d] -> [n_draws, n_prompts, n_layers + 1]."""
    d = phi.shape[-1]
    e_a = unit(rng.standard_normal((n_draws, d)))
    e_b = unit(rng.standard_normal((n_draws, d)))
    return np.einsum("pld,bd->bpl", unit(phi), e_a - e_b)


def balanced_counts(n_a: int, n_b: int) -> list[int]:
    """How many true-A anchors a shuffled group A (of size n_a) may hold to be as sense-free as possible.

    Group A's share of true-A anchors should equal the pooled share n_a / (n_a + n_b); with whole
    anchors, the nearest counts below and above it.
    """
    share = n_a * n_a / (n_a + n_b)
    return sorted({int(np.floor(share)), int(np.ceil(share))} & set(range(max(0, n_a - n_b), n_a + 1)))


def shuffled_splits(n_a: int, n_b: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean masks [n_draws', n_a + n_b] over the pooled anchors (A first): True = assigned to sense A.

    Only balanced splits (`balanced_counts`): each shuffled group mixes the true senses in the pooled
    proportion, so the labels carry (as nearly as whole anchors allow) no sense information. With as
    many anchors per sense, a split and its mirror (the groups swapped) give the same curve with its
    sign flipped, so only the one that puts anchor 0 in group A is kept: 5 + 5 anchors offer 100
    distinct splits, not 200. Draws without repetition; when fewer than `n_draws` distinct splits
    exist, all of them (none with one anchor per sense).
    """
    n = n_a + n_b
    # k == n_a is the true split; with equal sizes k == 0 is its mirror (sigma negated), no null either
    counts = [k for k in balanced_counts(n_a, n_b) if k != n_a and not (n_a == n_b and k == 0)]
    canonical = (lambda members: 0 in members) if n_a == n_b else (lambda members: True)
    total = sum(math.comb(n_a, k) * math.comb(n_b, n_a - k) for k in counts)
    if total == 0 or n_draws == 0:
        return np.zeros((0, n), dtype=bool)
    if total <= 4 * n_draws + 2000:
        splits = [
            from_a + from_b
            for k in counts
            for from_a in itertools.combinations(range(n_a), k)
            for from_b in itertools.combinations(range(n_a, n), n_a - k)
            if canonical(from_a + from_b)
        ]
        chosen = [splits[i] for i in rng.permutation(len(splits))[:n_draws]]
    else:
        seen: set[tuple[int, ...]] = set()
        while len(seen) < n_draws:
            k = counts[rng.integers(len(counts))]
            from_a = rng.choice(n_a, k, replace=False)
            from_b = n_a + rng.choice(n_b, n_a - k, replace=False)
            members = tuple(sorted(np.concatenate([from_a, from_b]).tolist()))
            if canonical(members):
                seen.add(members)
        chosen = sorted(seen)
    masks = np.zeros((len(chosen), n), dtype=bool)
    for row, members in enumerate(chosen):
        masks[row, list(members)] = True
    return masks


def label_shuffle_sigma(
    phi: np.ndarray, anchors_a: np.ndarray, anchors_b: np.ndarray, mode: str, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """sigma with directions from shuffled sense labels (all arrays already corrected).

    phi: [n_prompts, L + 1, d]; anchors_a: [n_a, L + 1, d]; anchors_b: [n_b, L + 1, d].
    Returns [n_draws', n_prompts, L + 1] (n_draws' <= n_draws, see `shuffled_splits`).
    """
    pooled = np.concatenate([anchors_a, anchors_b])
    masks = shuffled_splits(len(anchors_a), len(anchors_b), n_draws, rng)
    if len(masks) == 0:
        return np.zeros((0, *phi.shape[:2]))
    e_a = sense_direction(pooled, masks.astype(np.float64))
    e_b = sense_direction(pooled, (~masks).astype(np.float64))
    return order_parameter(phi, e_a, e_b, mode)


def band(null_sigma: np.ndarray, level: float = 0.95) -> dict[str, list[float]]:
    """Per-layer quantiles of a null, pooled over draws and prompts: `low`, `median`, `high`.

    null_sigma: [n_draws, n_prompts, n_layers + 1]. Empty when the null has no draws.
    """
    if null_sigma.size == 0:
        return {"low": [], "median": [], "high": []}
    pooled = null_sigma.reshape(-1, null_sigma.shape[-1])
    tail = (1 - level) / 2
    low, median, high = np.quantile(pooled, [tail, 0.5, 1 - tail], axis=0)
    return {"low": low.tolist(), "median": median.tolist(), "high": high.tolist()}
