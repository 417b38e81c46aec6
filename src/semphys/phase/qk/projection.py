"""Is the order direction a combination of a few W_QK components? (spec 001, exp. 6, the missing step)

Spec exp. 6 asks whether the sense direction e_A - e_B lies in the span of a few principal components
of W_QK. Block l reads the residual stream at index l (0: the embedding; l: the output of block
l - 1) through its heads' forms W_QK[h] = W_Q[h] W_K[kv(h)]^T, [d_model, d_model], with the input
norm's gain folded into W_Q and W_K (`semphys.lm.qk_weights(..., fold_input_norm=True)`), so the
forms act on residual coordinates. Their principal directions are the singular vectors of the
layer's forms side by side:

    query side  eigenvectors of sum_h W_QK[h] W_QK[h]^T    (what the target reads as a query)
    key side    eigenvectors of sum_h W_QK[h]^T W_QK[h]    (what the target offers as a key)

The share of the contrast v = e_A(l) - e_B(l) (centred correction: the model's own basis, its mean
direction removed) captured by the top k of them is |U_k^T v|^2 / |v|^2, at k = 5, 10, 20, 50.

Nulls, at the same layers and words:
    random     isotropic random unit vectors in the same space (expected share k / d_model), drawn
               exactly: the squared coordinates of a uniform unit vector on any orthonormal k-frame
               are g_i / (g_1 + ... + g_k + chi^2_(d - k)) with g_i ~ chi^2_1, whatever the frame
    shuffled   the contrast of label-shuffled anchors (`controls.shuffled_splits`, every distinct split
               when there are fewer than the draws asked), the order direction of a sense-free split
               of the same sentences
Per layer, the measured share is the mean over words; each null draw takes one draw per word.

Claims (`Projection.claims`): per side, the share averaged over the layers at the k whose
Westfall-Young max-T adjusted p (over the k's, per null) is smallest is one `finding` with
`adjustment="maxT"`: picking the best of the k's is paid for inside that p. The other k's are
`exploratory` rows. Interval: bootstrap over words. Layers before `PhaseConfig.first_fit_layer` are
left out (Gemma's contrast at the embedding is exactly 0).
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from semphys.evidence import Claim, Null, draws_interval, maxt_adjusted, resample_clusters
from semphys.lm import LM, qk_weights
from semphys.lm.cache import Request
from semphys.phase.activations import stack
from semphys.phase.anisotropy import Baseline, correct
from semphys.phase.inputs.prompts import Word
from semphys.phase.order import sense_direction, unit
from semphys.phase.verdict.controls import shuffled_splits

SIDES: tuple[str, ...] = ("query", "key")


def principal_directions(lm: LM, k_max: int) -> dict[str, np.ndarray]:
    """side -> [n_layers, k_max, d_model]: the top principal directions of each block's W_QK forms.

    The eigenproblems are small (d_model x d_model, top k_max only, LAPACK `evx`) and run with one
    BLAS thread: on a loaded 2-core machine threaded BLAS made each 640 x 640 eigh about 50x slower.
    """
    with threadpool_limits(1, user_api="blas"):
        layers = [_layer_directions(lm, layer, k_max) for layer in range(lm.facts.n_layers)]
    return {side: np.stack([directions[side] for directions in layers]) for side in SIDES}


def _layer_directions(lm: LM, layer: int, k_max: int) -> dict[str, np.ndarray]:
    """side -> [k_max, d_model] of one block."""
    weights = qk_weights(lm, layer, fold_input_norm=True)
    w_q = weights.W_Q.double().numpy()  # [H, d, d_head]
    w_k = weights.W_K.double().numpy()  # [H_kv, d, d_head]
    heads = [(w_q[h], w_k[weights.kv_head(h)]) for h in range(weights.n_heads)]
    # sum_h W_QK W_QK^T = sum_h W_Q (W_K^T W_K) W_Q^T, and the key side likewise: no d x d x d products
    grams = {"query": sum(q @ (k.T @ k) @ q.T for q, k in heads), "key": sum(k @ (q.T @ q) @ k.T for q, k in heads)}
    out = {}
    for side, gram in grams.items():
        d = len(gram)
        _, vectors = scipy.linalg.eigh(gram, subset_by_index=[d - min(k_max, d), d - 1], driver="evx")
        out[side] = vectors[:, ::-1].T
    return out


def captured_share(directions: np.ndarray, vectors: np.ndarray, ks: tuple[int, ...]) -> np.ndarray:
    """Share of |v|^2 in the span of the top k directions, per layer and k.

    directions: [n_layers, k_max, d] orthonormal rows; vectors: [..., n_layers, d] -> [..., n_layers, len(ks)].
    NaN for a zero vector.
    """
    coordinates = (unit(vectors)[..., None, :] @ np.swapaxes(directions, 1, 2))[..., 0, :] ** 2
    cumulative = np.cumsum(coordinates, axis=-1)
    share = np.stack([cumulative[..., min(k, directions.shape[1]) - 1] for k in ks], axis=-1)
    zero = np.linalg.norm(vectors, axis=-1) == 0
    return np.where(zero[..., None], np.nan, share)


def order_contrasts(
    word: Word, vectors: dict[Request, np.ndarray], baseline: Baseline, n_draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(e_A - e_B [n_layers + 1, d], shuffled-label contrasts [n_draws', n_layers + 1, d]), centred."""
    a, b = (
        correct(stack(vectors, [Request(t, word.word) for t in word.anchors[s]]), "centred", baseline)
        for s in word.senses
    )
    contrast = sense_direction(a) - sense_direction(b)
    masks = shuffled_splits(len(a), len(b), n_draws, rng).astype(np.float64)
    pooled = np.concatenate([a, b])
    if len(masks) == 0:
        return contrast, np.zeros((0, *contrast.shape))
    return contrast, sense_direction(pooled, masks) - sense_direction(pooled, 1 - masks)


RANDOM_CHUNK = 1000
"""Random null draws are made this many at a time (memory stays flat at 20000 draws)."""
N_INTERVAL_DRAWS = 2000
"""Bootstrap draws over words of each claim's interval."""


@dataclass(frozen=True)
class Projection:
    """Exp. 6's projection on one model: measured shares and their nulls, per side."""

    ks: tuple[int, ...]
    layers: list[int]
    """Residual indices, each read by the block of the same index."""
    measured: dict[str, np.ndarray]
    """side -> [n_layers', len(ks)]: mean share over words."""
    per_word: dict[str, dict[str, np.ndarray]]
    """side -> word -> [n_layers', len(ks)]."""
    random: dict[str, np.ndarray]
    """side -> [n_draws, n_layers', len(ks)]: mean share over words of random unit vectors."""
    shuffled: dict[str, np.ndarray]
    """side -> [n_draws, n_layers', len(ks)]: the same for shuffled-label contrasts."""
    d_model: int
    n_splits: dict[str, int]
    """word -> distinct shuffled-label contrasts it offered (every one is used when fewer than the draws)."""

    def to_dict(self) -> dict:
        def band(draws: np.ndarray) -> dict:
            if len(draws) == 0:
                return {"n_draws": 0, "p5": None, "p50": None, "p95": None}
            p5, p50, p95 = np.nanpercentile(draws, [5, 50, 95], axis=0)
            return {"n_draws": len(draws), "p5": p5.tolist(), "p50": p50.tolist(), "p95": p95.tolist()}

        return {
            "ks": list(self.ks),
            "layers": self.layers,
            "d_model": self.d_model,
            "expected_random": [k / self.d_model for k in self.ks],
            "n_splits": self.n_splits,
            "sides": {
                side: {
                    "measured": self.measured[side].tolist(),
                    "mean_over_layers": np.nanmean(self.measured[side], axis=0).tolist(),
                    "per_word": {w: v.tolist() for w, v in self.per_word[side].items()},
                    "random": band(self.random[side]),
                    "shuffled": band(self.shuffled[side]),
                }
                for side in SIDES
            },
        }

    def claims(self, model: str, seed: int = 0) -> list[Claim]:
        """Per side: the finding at the max-T chosen k, and the other k's as exploratory rows (module docstring)."""
        rng = np.random.default_rng([seed, 6])
        out = []
        for side in SIDES:
            observed = np.nanmean(self.measured[side], axis=0)  # [len(ks)]
            nulls = {
                name: np.nanmean(draws, axis=1)
                for name, draws in (
                    ("random unit vectors", self.random[side]),
                    ("shuffled anchors", self.shuffled[side]),
                )
                if len(draws)
            }
            adjusted = {name: maxt_adjusted(observed, draws, "higher") for name, draws in nulls.items()}
            # every null must be beaten; without null draws nothing is decided (chosen = -1)
            chosen = int(np.argmin(np.max(np.stack(list(adjusted.values())), axis=0))) if adjusted else -1
            words = np.stack([np.nanmean(v, axis=0) for v in self.per_word[side].values()])  # [n_words, len(ks)]
            sets = resample_clusters(np.arange(len(words)), N_INTERVAL_DRAWS, rng)
            boot = np.stack([words[idx].mean(axis=0) for idx in sets])  # [draws, len(ks)]
            for j, k in enumerate(self.ks):
                primary = j == chosen
                value = float(observed[j])
                out.append(
                    Claim(
                        f"the order direction lies in the top-k W_QK directions ({side} side, k = {k})",
                        "finding" if primary else "exploratory",
                        value,
                        "higher",
                        **draws_interval(boot[:, j], "95% percentile, bootstrap over words"),
                        nulls=tuple(
                            Null.from_draws(
                                name,
                                draws[:, j],
                                value,
                                "higher",
                                n=len(words),
                                p=float(adjusted[name][j]) if primary else None,
                            )
                            for name, draws in nulls.items()
                        ),
                        adjustment="maxT" if primary else "holm",
                        model=model,
                        key=f"qk_projection_{side}_{k}",
                        detail=(
                            f"share of |e_A - e_B|^2 (centred) in the top {k} {side}-side directions of each block's "
                            f"W_Q W_K^T, mean over {len(words)} words and layers {self.layers[0]} to {self.layers[-1]}; "
                            f"random k/d = {k / self.d_model:.3g}; "
                            + (
                                "k chosen among " + ", ".join(map(str, self.ks)) + " by the smallest max-T adjusted p"
                                if primary
                                else "not the chosen k: exploratory"
                            )
                        ),
                    )
                )
        return out


def random_shares(
    basis_count: int, d: int, ks: tuple[int, ...], shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Shares of isotropic random unit vectors in the top k of any orthonormal frame: [*shape, len(ks)].

    Exact in distribution (module docstring): the squared norm in coordinates (k_(j-1), k_j] of the frame
    is chi^2 with k_j - k_(j-1) degrees of freedom, the rest of the norm chi^2_(d - basis_count), all
    independent; one chi-square draw per block, not one normal per coordinate.
    """
    if list(ks) != sorted(ks):
        raise ValueError(f"ks must be increasing, got {ks}")
    edges = [0] + [min(k, basis_count) for k in ks]
    blocks = [
        rng.chisquare(high - low, size=shape) if high > low else np.zeros(shape)
        for low, high in zip(edges[:-1], edges[1:])
    ]
    cumulative = np.cumsum(np.stack(blocks, axis=-1), axis=-1)
    top = edges[-1]
    rest = rng.chisquare(d - top, size=shape) if d > top else np.zeros(shape)
    return cumulative / (cumulative[..., -1] + rest)[..., None]


def project_order_directions(
    lm: LM,
    contrasts: dict[str, tuple[np.ndarray, np.ndarray]],
    ks: tuple[int, ...],
    first_layer: int,
    n_draws: int,
    rng: np.random.Generator,
) -> Projection:
    """Exp. 6's projection. contrasts: word -> `order_contrasts`; residual layers first_layer .. L - 1."""
    directions = principal_directions(lm, max(ks))
    layers = list(range(first_layer, lm.facts.n_layers))
    d = lm.facts.d_model
    real = np.stack([c[layers] for c, _ in contrasts.values()])  # [n_words, n_layers', d]
    shuffled = [s[:, layers] for _, s in contrasts.values()]
    measured, per_word, random_share, shuffled_share = {}, {}, {}, {}
    for side in SIDES:
        basis = directions[side][layers]
        shares = captured_share(basis, real, ks)
        measured[side] = np.nanmean(shares, axis=0)
        per_word[side] = dict(zip(contrasts, shares))
        random_share[side] = (
            np.concatenate(
                [
                    random_shares(
                        basis.shape[1], d, ks, (min(RANDOM_CHUNK, n_draws - start), len(contrasts), len(layers)), rng
                    ).mean(axis=1)
                    for start in range(0, n_draws, RANDOM_CHUNK)
                ]
            )
            if n_draws
            else np.zeros((0, len(layers), len(ks)))
        )
        if all(len(s) for s in shuffled) and n_draws:
            word_shares = [captured_share(basis, s, ks) for s in shuffled]  # each [n_splits, n_layers', len(ks)]
            picked = np.stack([w[rng.integers(len(w), size=n_draws)] for w in word_shares], axis=1)
            shuffled_share[side] = np.nanmean(picked, axis=1)
        else:
            shuffled_share[side] = np.zeros((0, len(layers), len(ks)))
    return Projection(
        ks=tuple(ks),
        layers=layers,
        measured=measured,
        per_word=per_word,
        random=random_share,
        shuffled=shuffled_share,
        d_model=d,
        n_splits={w: len(s) for w, s in zip(contrasts, shuffled)},
    )
