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
    random     isotropic random unit vectors in the same space (expected share k / d_model)
    shuffled   the contrast of label-shuffled anchors (`controls.shuffled_splits`), the order
               direction of a sense-free split of the same sentences
Per layer, the measured share is the mean over words; each null draw takes one draw per word.
The one-sided p of the share averaged over the layers (`p_random`, `p_shuffled`) is computed as in
`nulls.p_value`. Layers before `PhaseConfig.first_fit_layer` are left out (Gemma's contrast at the
embedding is exactly 0).
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from semphys.lm import LM, qk_weights
from semphys.lm.cache import Request
from semphys.phase.activations import stack
from semphys.phase.anisotropy import Baseline, correct
from semphys.phase.controls import shuffled_splits
from semphys.phase.nulls import p_value
from semphys.phase.order import sense_direction, unit
from semphys.phase.prompts import Word

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


def order_contrasts(word: Word, vectors: dict[Request, np.ndarray], baseline: Baseline, n_draws: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(e_A - e_B [n_layers + 1, d], shuffled-label contrasts [n_draws', n_layers + 1, d]), centred."""
    a, b = (correct(stack(vectors, [Request(t, word.word) for t in word.anchors[s]]), "centred", baseline)
            for s in word.senses)
    contrast = sense_direction(a) - sense_direction(b)
    masks = shuffled_splits(len(a), len(b), n_draws, rng).astype(np.float64)
    pooled = np.concatenate([a, b])
    if len(masks) == 0:
        return contrast, np.zeros((0, *contrast.shape))
    return contrast, sense_direction(pooled, masks) - sense_direction(pooled, 1 - masks)


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

    def to_dict(self) -> dict:
        def band(draws: np.ndarray) -> dict:
            if len(draws) == 0:
                return {"n_draws": 0, "p5": None, "p50": None, "p95": None}
            p5, p50, p95 = np.nanpercentile(draws, [5, 50, 95], axis=0)
            return {"n_draws": len(draws), "p5": p5.tolist(), "p50": p50.tolist(), "p95": p95.tolist()}

        def p(side: str, draws: np.ndarray) -> list[float | None]:
            mean = np.nanmean(self.measured[side], axis=0)
            over_layers = np.nanmean(draws, axis=1) if len(draws) else draws
            return [p_value(mean[j], over_layers[:, j], ">") if len(draws) else None for j in range(len(self.ks))]

        return {
            "ks": list(self.ks), "layers": self.layers, "d_model": self.d_model,
            "expected_random": [k / self.d_model for k in self.ks],
            "sides": {side: {
                "measured": self.measured[side].tolist(),
                "mean_over_layers": np.nanmean(self.measured[side], axis=0).tolist(),
                "per_word": {w: v.tolist() for w, v in self.per_word[side].items()},
                "random": band(self.random[side]), "shuffled": band(self.shuffled[side]),
                "p_random": p(side, self.random[side]), "p_shuffled": p(side, self.shuffled[side]),
            } for side in SIDES},
        }


def project_order_directions(lm: LM, contrasts: dict[str, tuple[np.ndarray, np.ndarray]], ks: tuple[int, ...],
                             first_layer: int, n_draws: int, rng: np.random.Generator) -> Projection:
    """Exp. 6's projection. contrasts: word -> `order_contrasts`; residual layers first_layer .. L - 1."""
    directions = principal_directions(lm, max(ks))
    layers = list(range(first_layer, lm.facts.n_layers))
    d = lm.facts.d_model
    real = np.stack([c[layers] for c, _ in contrasts.values()])  # [n_words, n_layers', d]
    random = rng.standard_normal((n_draws, len(contrasts), len(layers), d))
    shuffled = [s[:, layers] for _, s in contrasts.values()]
    measured, per_word, random_share, shuffled_share = {}, {}, {}, {}
    for side in SIDES:
        basis = directions[side][layers]
        shares = captured_share(basis, real, ks)
        measured[side] = np.nanmean(shares, axis=0)
        per_word[side] = dict(zip(contrasts, shares))
        random_share[side] = np.nanmean(captured_share(basis, random, ks), axis=1)
        if all(len(s) for s in shuffled):
            picked = np.stack([s[rng.integers(len(s), size=n_draws)] for s in shuffled], axis=1)
            shuffled_share[side] = np.nanmean(captured_share(basis, picked, ks), axis=1)
        else:
            shuffled_share[side] = np.zeros((0, len(layers), len(ks)))
    return Projection(ks=tuple(ks), layers=layers, measured=measured, per_word=per_word, random=random_share,
                      shuffled=shuffled_share, d_model=d)
