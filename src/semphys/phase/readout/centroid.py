"""Nearest-centroid sense readout per layer, its nulls and its layer statistics.

A *task* is one word under one design: corrected target vectors X [n, L + 1, d] of its items,
their class labels y [n] in 0..K-1, and the class directions. The readout of item i at layer l is
argmax_k cos(x_i(l), e_k(l')) (Teglia, Tedeschi & Navigli, ACL 2025: sense centroids compared by
cosine, layer by layer), with l' = l (`per-layer` mode) or l' = L (`final`, spec 001 exp. 1).
With K = 2 this is the sign of spec 001's sigma = cos(x, e_A) - cos(x, e_B).

Leave-one-out directions (`loo_scores`) are computed from Gram matrices: with S_k the sum of the
class-k vectors, cos(u_i, S_k - x_i) = (u_i.S_k - u_i.x_i) / sqrt(|S_k|^2 - 2 x_i.S_k + |x_i|^2)
for the item's own class (the item is removed from its direction exactly) and u_i.S_k / |S_k| for
the others, so any relabelling (the shuffled-label null) costs n x n work per layer, not n x d.

Nulls (per task, added over words into pooled counts per draw):
    random    every class direction a random isotropic unit vector, drawn per layer. Only u_i.r and
              |r| matter: with U^T = Q R, u.r = (R^T z) for z = Q^T r ~ N(0, I_n) and
              |r|^2 = |z|^2 + chi^2_{d - n}, exact without drawing d-dimensional vectors.
    shuffled  the labels permuted within the word (class sizes kept); `loo` directions recomputed
              from the permuted labels, `gloss` directions kept.

Pooled over words (`summarise`), each null draw stays joint over layers, and a landmark picked across
layers is judged against the max over layers (`evidence.maxt_adjusted`): the first layer above the null
needs a maxT p <= 0.05 against both nulls and a word-bootstrap interval (`evidence.ratio_bootstrap_interval`)
above both nulls' medians. The peak is picked on half the words and scored on the other half
(`split_words`, `held_out_peak`).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semphys.evidence import ALPHA, maxt_adjusted, ratio_bootstrap_interval
from semphys.phase.order import unit


@dataclass(frozen=True)
class Counts:
    """Correct readouts of one task: observed and under the nulls."""

    correct: np.ndarray
    """[n, L + 1] bool: item i read out as its class at layer l."""
    random: np.ndarray
    """[n_draws, n, L + 1] bool: item i correct in draw b under random directions."""
    shuffled: np.ndarray
    """[n_draws, n, L + 1] bool: item i correct in draw b under shuffled labels."""
    sigma: np.ndarray | None = None
    """[n, L + 1] score of class 0 minus class 1 (spec 001's sigma) when K = 2, else None."""

    def take(self, mask: np.ndarray) -> "Counts":
        """The items where `mask` [n] is true (nulls computed on the whole word, scored on the subset)."""
        sigma = None if self.sigma is None else self.sigma[mask]
        return Counts(self.correct[mask], self.random[:, mask], self.shuffled[:, mask], sigma)


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """[..., n] int -> [..., n, K] float."""
    return (np.asarray(labels)[..., None] == np.arange(n_classes)).astype(np.float64)


def _direction_layers(x: np.ndarray, mode: str) -> np.ndarray:
    """The vectors directions are taken from at each layer: x itself (`per-layer`) or x(L) broadcast (`final`)."""
    if mode == "per-layer":
        return x
    if mode == "final":
        return np.broadcast_to(x[:, -1:, :], x.shape)
    raise ValueError(f"unknown direction mode {mode!r}")


def gloss_scores(x: np.ndarray, directions: np.ndarray, mode: str) -> np.ndarray:
    """cos(x_i(l), e_k(l')): x [n, L + 1, d], directions [K, L + 1, d] (any norm) -> [n, L + 1, K]."""
    e = unit(_direction_layers(directions, mode)).transpose(1, 2, 0)  # [L + 1, d, K]
    return (unit(x).transpose(1, 0, 2) @ e).transpose(1, 0, 2)


def gram(x: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(G, XX), each [L + 1, n, n]: G[l, i, j] = u_i(l).x_j(l'), XX[l, j, j'] = x_j(l').x_j'(l')."""
    xd = _direction_layers(x, mode).transpose(1, 0, 2)  # [L + 1, n, d]
    return unit(x).transpose(1, 0, 2) @ xd.transpose(0, 2, 1), xd @ xd.transpose(0, 2, 1)


def loo_scores(g: np.ndarray, xx: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Leave-one-out cosines from `gram`: labels [n] or [B, n] -> [(B,) n, L + 1, K].

    The own-class direction of item i excludes x_i; a direction whose sum is 0 gives cosine 0. Every
    relabelling is one column block of a single matrix product ([(L + 1) n, n] x [n, B K]): with a few
    items per word, per-draw products spent their time in call overhead.
    """
    labels = np.asarray(labels)
    n_layers, n = g.shape[0], g.shape[1]
    m = one_hot(labels.reshape(-1, n), n_classes).transpose(1, 0, 2)  # [n, B, K]
    n_draws = m.shape[1]
    columns = m.reshape(n, n_draws * n_classes)
    dot = (g.reshape(-1, n) @ columns).reshape(n_layers, n, n_draws, n_classes)  # u_i . S_k
    cross = (xx.reshape(-1, n) @ columns).reshape(n_layers, n, n_draws, n_classes)  # x_i . S_k
    norm_sq = (m[None] * cross).sum(axis=1, keepdims=True)  # |S_k|^2 = sum_i m_ik x_i . S_k
    g_ii = np.einsum("lii->li", g)[:, :, None, None]
    xx_ii = np.einsum("lii->li", xx)[:, :, None, None]
    numerator = dot - m[None] * g_ii
    norm = np.sqrt(np.clip(norm_sq - m[None] * (2 * cross - xx_ii), 0.0, None))
    scores = np.divide(numerator, norm, out=np.zeros_like(numerator), where=norm > 1e-12 * (1 + np.abs(numerator)))
    return scores.transpose(2, 1, 0, 3).reshape(*labels.shape, n_layers, n_classes)


TIE_TOLERANCE = 1e-9
"""Cosines within this of the best score tie with it (all scores here are cosines, |s| <= 1)."""


def read_out(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Whether the predicted class is the label: scores [..., n, L + 1, K], labels [..., n] -> [..., n, L + 1].

    The prediction is the highest-scoring class; classes within `TIE_TOLERANCE` of it tie, and a tie
    goes to the lowest class index (sense A first). Exact ties are real here: at a causal model's
    layer 0 every item of a word, and every gloss prompt's target, is the same token embedding, so
    every class scores the same, and without the tolerance floating-point rounding (the order of a
    sum) would decide. With K = 2 (most words, every A-vs-B task) one comparison replaces argmax's
    tiny per-element reductions, about 4x faster on the null draws.
    """
    labels = np.asarray(labels)[..., None]
    if scores.shape[-1] == 2:
        return (scores[..., 0] >= scores[..., 1] - TIE_TOLERANCE) == (labels == 0)
    tied = scores >= scores.max(axis=-1, keepdims=True) - TIE_TOLERANCE
    return tied.argmax(axis=-1) == labels


def random_direction_scores(x: np.ndarray, n_classes: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """cos(x_i(l), r) for isotropic random unit r per draw, class and layer: -> [n_draws, n, L + 1, K].

    Drawn from the Gram matrix U U^T = V diag(lam) V^T of the unit vectors (stacked over layers) rather
    than a QR of U^T: with A = V_m diag(sqrt(lam_m)) on the top m = min(n, d) eigenpairs, A z (z ~ N(0,
    I_m)) has the law of U r, and |r|^2 = |z|^2 + chi^2_{d - m} (a zero eigenvalue's z is one more
    orthogonal coordinate of r). An n x n eigendecomposition costs less than a d x n QR, and one stacked
    call replaces a call per layer.
    """
    n, n_layers, d = x.shape
    u = unit(x).transpose(1, 0, 2)  # [L + 1, n, d]
    lam, v = np.linalg.eigh(u @ u.transpose(0, 2, 1))  # ascending
    m = min(n, d)
    # Eigenvalues at the rounding floor of a Gram matrix (n eps lam_max; e.g. Gemma's layer 0, where every
    # item is the same embedding) are zero: their square roots would add ~1e-8 of noise.
    lam = np.where(lam > 10 * n * np.finfo(float).eps * lam[..., -1:], lam, 0.0)
    a = v[..., n - m :] * np.sqrt(lam[..., None, n - m :])  # [L + 1, n, m]
    z = rng.standard_normal((n_layers, m, n_draws * n_classes))
    length_sq = (z**2).sum(axis=1)  # [L + 1, B K]
    if d > m:
        length_sq = length_sq + rng.chisquare(d - m, size=length_sq.shape)
    cos = (a @ z) / np.sqrt(length_sq)[:, None, :]  # [L + 1, n, B K]
    return cos.reshape(n_layers, n, n_draws, n_classes).transpose(2, 1, 0, 3)


def permutations(labels: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """[n_draws, n]: the labels permuted independently per draw."""
    return rng.permuted(np.tile(np.asarray(labels), (n_draws, 1)), axis=1)


@dataclass(frozen=True)
class NullDraws:
    """The null draws of one task under one correction; both direction modes read them (a random
    direction carries no layer), and every correction shares the shuffles, which keeps each variant's
    null exact while drawing the shuffles once instead of six times."""

    shuffled: np.ndarray
    """[n_draws, n] the task's labels permuted within the word."""
    random: np.ndarray
    """[n_draws, n, L + 1] bool: item read out as its class under random directions."""


def draw_nulls(x: np.ndarray, labels: np.ndarray, n_classes: int, n_draws: int, rng: np.random.Generator) -> NullDraws:
    """Fresh null draws for one task on vectors x [n, L + 1, d]."""
    random = random_direction_scores(x, n_classes, n_draws, rng)
    return NullDraws(permutations(labels, n_draws, rng), read_out(random, labels[None]))


def gloss_counts(scores: np.ndarray, labels: np.ndarray, nulls: NullDraws) -> Counts:
    """Observed readout and both nulls of one `gloss` task from its cosines `gloss_scores` [n, L + 1, K]."""
    sigma = scores[..., 0] - scores[..., 1] if scores.shape[-1] == 2 else None
    return Counts(read_out(scores, labels), nulls.random, read_out(scores[None], nulls.shuffled), sigma)


def loo_counts(g: np.ndarray, xx: np.ndarray, labels: np.ndarray, n_classes: int, nulls: NullDraws) -> Counts:
    """Observed readout and both nulls of one `loo` task from the `gram` of its items; the shuffled null
    recomputes every leave-one-out direction from the permuted labels."""
    scores = loo_scores(g, xx, labels, n_classes)
    null_shuffled = read_out(loo_scores(g, xx, nulls.shuffled, n_classes), nulls.shuffled)
    sigma = scores[..., 0] - scores[..., 1] if n_classes == 2 else None
    return Counts(read_out(scores, labels), nulls.random, null_shuffled, sigma)


NULLS: tuple[str, ...] = ("random", "shuffled")
"""The two nulls of every readout task (this module's docstring)."""
SPLIT_SEED = 13
"""Seed of the fixed split of words that picks the peak layer on one half and scores it on the other."""


@dataclass(frozen=True)
class HeldOutPeak:
    """The peak layer picked on half the words (`split_words`) and scored on the other half.

    Picking the best of the layers and scoring it on the same words makes `peak - output` >= 0 by
    construction; scored on words that did not pick it, it is an honest estimate and can be negative.
    """

    layer: int
    """The picking half's argmax layer (a layer index; ties go to the shallowest)."""
    n_pick_words: int
    n_score_words: int
    n_score_items: int
    accuracy: float
    """The scoring half's pooled accuracy at `layer`."""
    interval: tuple[float, float]
    """95% bootstrap over the scoring half's words (ratio of sums)."""
    output_accuracy: float
    """The scoring half's accuracy at the deepest layer read."""
    difference: float
    """accuracy - output_accuracy on the scoring half."""
    difference_interval: tuple[float, float]
    null_accuracy: dict[str, np.ndarray]
    """Per null, [n_draws]: the scoring half's null accuracy at `layer`."""
    maxt_p: dict[str, float]
    """Per null: `layer`'s max-over-layers p on the scoring half."""
    null_difference: dict[str, np.ndarray]
    """Per null, [n_draws]: the same statistic on each null draw's curves (argmax of the picking half's
    null curve, scored on the scoring half's null curve of the same draw)."""


@dataclass(frozen=True)
class LayerSummary:
    """The pooled readout of many words at every layer read, with its intervals, nulls and landmarks.

    Arrays run over the layers read (all of 0..L, or the `--layers` subset); the landmarks are layer
    indices (`summarise(layers=...)`), not positions along that axis.
    """

    n_words: int
    n_items: int
    layers: np.ndarray
    """[P] the layer index of each position."""
    accuracy: np.ndarray
    """[P] correct items / items, pooled over words."""
    ci_low: np.ndarray
    ci_high: np.ndarray
    """[P] 95% bootstrap over words (`evidence.ratio_bootstrap_interval`: words resampled, ratio of sums)."""
    null_random: dict[str, np.ndarray]
    null_shuffled: dict[str, np.ndarray]
    """`p5`, `median`, `p95` [P] of the pooled accuracy over null draws, and `maxt_p` [P]: each layer's
    max-over-layers (Westfall-Young) p against that null."""
    null_draws: dict[str, np.ndarray]
    """Per null, [n_draws, P]: the pooled null accuracy, each draw joint over layers."""
    first_above_null: int | None
    """First layer whose accuracy beats both nulls after max-over-layers adjustment (p <= 0.05) with
    the lower end of its interval above both nulls' medians; None when no layer does."""
    half_rise_layer: int | None
    """First layer reaching half-way from the first layer read (layer 0 unless `--layers` leaves it out) to the
    peak (a data-driven l_c); None without a rise. Descriptive: no null."""
    word_half_rise: np.ndarray
    """[n_words] each word's half-rise layer index (NaN where its accuracy never rises above the first layer read)."""
    peak_layer: int
    """The held-out peak's layer (`HeldOutPeak.layer`); with fewer than two words, the argmax of `accuracy`."""
    peak_minus_output: float | None
    """`HeldOutPeak.difference`; None with fewer than two words."""
    peak: HeldOutPeak | None

    def null(self, name: str) -> dict[str, np.ndarray]:
        return self.null_random if name == "random" else self.null_shuffled


def half_rise(curve: np.ndarray) -> int | None:
    """First layer l with curve[l] >= (curve[0] + max(curve)) / 2, for a curve that rises above curve[0]."""
    curve = np.asarray(curve, dtype=np.float64)
    if not curve.max() > curve[0]:
        return None
    return int(np.argmax(curve >= (curve[0] + curve.max()) / 2))


def split_words(words: Sequence[str]) -> np.ndarray:
    """[W] bool, True for the words that pick the peak layer: the W // 2 words that come first when
    ordered by sha256("<SPLIT_SEED>:<word>"). Fixed: the same word set always splits the same way,
    whatever the run's seed, and a word tends to fall on the same side for every task and model."""
    keys = [hashlib.sha256(f"{SPLIT_SEED}:{word}".encode()).hexdigest() for word in words]
    rank = np.empty(len(keys), dtype=np.int64)
    rank[np.argsort(keys, kind="stable")] = np.arange(len(keys))
    return rank < len(keys) // 2


def pooled_null(per_word: np.ndarray, n_items: float, n_draws: int | None, rng: np.random.Generator) -> np.ndarray:
    """Pooled null accuracy [n_draws, P] from per-word null counts per_word [W, B, P].

    n_draws None: draw b pools every word's draw b (B draws). n_draws given: each pooled draw takes one of
    the B draws of each word, picked independently per word (a Monte Carlo over the product of the
    per-word nulls; words are independent under the null). Either way a draw keeps one word draw across
    all layers: draws stay joint over layers.
    """
    from scipy import sparse

    n_words, n_per_word, n_layers = per_word.shape
    if n_draws is None:
        return per_word.sum(axis=0) / n_items
    # draw b' sums row w * B + pick[b', w] of the stacked draws: one sparse [n_draws, W B] x [W B, P] product
    picks = rng.integers(n_per_word, size=(n_draws, n_words)) + np.arange(n_words)[None, :] * n_per_word
    chooser = sparse.csr_matrix(
        (np.ones(picks.size), picks.ravel(), np.arange(0, picks.size + 1, n_words)),
        shape=(n_draws, n_words * n_per_word),
    )
    return np.asarray(chooser @ per_word.reshape(n_words * n_per_word, n_layers).astype(np.float64)) / n_items


def first_above(
    accuracy: np.ndarray, ci_low: np.ndarray, nulls: list[dict[str, np.ndarray]], alpha: float = ALPHA
) -> int | None:
    """The first position whose max-over-layers p is <= alpha against every null and whose interval's
    lower end lies above every null's median (the evidence rule at one layer, before Holm)."""
    passed = np.ones(len(accuracy), dtype=bool)
    for null in nulls:
        passed &= (null["maxt_p"] <= alpha) & (ci_low > null["median"])
    hits = np.flatnonzero(passed)
    return int(hits[0]) if hits.size else None


def _null_summary(draws: np.ndarray, accuracy: np.ndarray) -> dict[str, np.ndarray]:
    p5, median, p95 = np.percentile(draws, [5, 50, 95], axis=0)
    return {"p5": p5, "median": median, "p95": p95, "maxt_p": maxt_adjusted(accuracy, draws, "higher")}


def held_out_peak(
    correct: np.ndarray,
    sizes: np.ndarray,
    per_word: dict[str, np.ndarray],
    pick: np.ndarray,
    index: np.ndarray,
    n_bootstrap: int,
    n_draws: int | None,
    rng: np.random.Generator,
) -> HeldOutPeak:
    """Pick the peak on the words `pick` [W], score it and its gain over the deepest layer on the rest."""
    score = ~pick
    accuracy_pick = correct[pick].sum(axis=0) / sizes[pick].sum()
    position = int(np.argmax(accuracy_pick))
    n_score = sizes[score].sum()
    accuracy = correct[score].sum(axis=0) / n_score
    columns = np.stack([correct[score, position], correct[score, position] - correct[score, -1]], axis=1)
    low, high = ratio_bootstrap_interval(columns, sizes[score], n_bootstrap, rng)
    null_accuracy, maxt_p, null_difference = {}, {}, {}
    for name, counts in per_word.items():
        drawn_pick = pooled_null(counts[pick], sizes[pick].sum(), n_draws, rng)
        drawn_score = pooled_null(counts[score], n_score, n_draws, rng)
        picked = np.argmax(drawn_pick, axis=1)
        rows = np.arange(len(drawn_score))
        null_difference[name] = drawn_score[rows, picked] - drawn_score[:, -1]
        null_accuracy[name] = drawn_score[:, position]
        maxt_p[name] = float(maxt_adjusted(accuracy, drawn_score, "higher")[position])
    return HeldOutPeak(
        layer=int(index[position]),
        n_pick_words=int(pick.sum()),
        n_score_words=int(score.sum()),
        n_score_items=int(n_score),
        accuracy=float(accuracy[position]),
        interval=(float(low[0]), float(high[0])),
        output_accuracy=float(accuracy[-1]),
        difference=float(accuracy[position] - accuracy[-1]),
        difference_interval=(float(low[1]), float(high[1])),
        null_accuracy=null_accuracy,
        maxt_p=maxt_p,
        null_difference=null_difference,
    )


def summarise(
    tasks: list[Counts],
    n_bootstrap: int,
    rng: np.random.Generator,
    layers: np.ndarray | None = None,
    words: Sequence[str] | None = None,
    n_null_draws: int | None = None,
) -> LayerSummary:
    """Pool tasks (one per word) into per-layer accuracy, intervals, nulls, landmarks and the held-out peak.

    layers: [P] the layer index of each position of the tasks' layer axis (default 0..P-1).
    words: [W] the word of each task (the peak's split, `split_words`; default "0", "1", ...).
    n_null_draws: pooled null draws recombined from the per-word draws (`pooled_null`); None: draw b of
    every word pooled together (as many draws as each word has).
    """
    sizes = np.array([len(t.correct) for t in tasks], dtype=np.float64)
    correct = np.stack([t.correct.sum(axis=0) for t in tasks]).astype(np.float64)  # [W, P]
    total = sizes.sum()
    accuracy = correct.sum(axis=0) / total
    low, high = ratio_bootstrap_interval(correct, sizes, n_bootstrap, rng)
    per_word = {name: np.stack([getattr(t, name).sum(axis=1) for t in tasks]).astype(np.int32) for name in NULLS}
    draws = {name: pooled_null(counts, total, n_null_draws, rng) for name, counts in per_word.items()}
    nulls = {name: _null_summary(d, accuracy) for name, d in draws.items()}
    index = np.arange(correct.shape[1]) if layers is None else np.asarray(layers)
    above = first_above(accuracy, low, list(nulls.values()))
    per_word_rise = [half_rise(c / s) for c, s in zip(correct, sizes)]
    overall = half_rise(accuracy)
    pick = split_words([str(i) for i in range(len(tasks))] if words is None else list(words))
    peak = None
    if 0 < pick.sum() < len(pick):
        peak = held_out_peak(correct, sizes, per_word, pick, index, n_bootstrap, n_null_draws, rng)
    return LayerSummary(
        n_words=len(tasks),
        n_items=int(total),
        layers=index,
        accuracy=accuracy,
        ci_low=low,
        ci_high=high,
        null_random=nulls["random"],
        null_shuffled=nulls["shuffled"],
        null_draws=draws,
        first_above_null=None if above is None else int(index[above]),
        half_rise_layer=None if overall is None else int(index[overall]),
        word_half_rise=np.array([np.nan if h is None else float(index[h]) for h in per_word_rise]),
        peak_layer=int(index[np.argmax(accuracy)]) if peak is None else peak.layer,
        peak_minus_output=None if peak is None else peak.difference,
        peak=peak,
    )
