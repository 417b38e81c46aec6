"""The order parameter of spec 001, exp. 1:  sigma(l) = cos(phi(l), e_A) - cos(phi(l), e_B).

phi(l) is the (corrected, see `anisotropy`) residual vector at the target word at layer l; e_A, e_B are
unit sense directions: the mean of the corrected target vectors of the sense's anchor sentences,
normalised. The spec takes one anchor sentence per sense; several are averaged here, and one is
the special case.

Direction modes (spec exp. 1 uses `final`):
    final      e_A = e_A(L), the last layer's direction, used at every layer l
    per-layer  e_A = e_A(l), taken at the same layer as phi(l)

sigma > 0 leans to sense A, sigma < 0 to sense B, sigma ~ 0 is undecided. |sigma| <= 2.

`direction_alignment` says how far the final mode can be trusted at early layers: the cosine
between the sense contrast e_A(l) - e_B(l) of layer l and that of the last layer. Where it is near 0,
the final-layer directions do not point where layer l keeps its sense information, and final-mode
sigma is small there by construction, not because the sense is undecided.
"""

import numpy as np

from semphys.phase.anisotropy import Baseline, correct


def unit(vectors: np.ndarray) -> np.ndarray:
    """Normalise the last axis; a zero vector stays zero (its cosines are 0, not NaN)."""
    norm = np.sqrt(np.einsum("...d,...d->...", vectors, vectors))[..., None]  # np.linalg.norm's axis path is slower
    return np.divide(vectors, norm, out=np.zeros_like(vectors, dtype=np.float64), where=norm > 0)


def sense_direction(anchors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Unit direction per layer from corrected anchor vectors.

    anchors: [n_anchors, n_layers + 1, d_model]; weights: [n_anchors] (counts of a bootstrap draw) or
    [n_draws, n_anchors]. Returns [n_layers + 1, d_model], or [n_draws, n_layers + 1, d_model].
    """
    if weights is None:
        return unit(anchors.mean(axis=0))
    weights = np.asarray(weights, dtype=np.float64)
    mean = np.tensordot(weights, anchors, axes=([-1], [0])) / weights.sum(axis=-1)[..., None, None]
    return unit(mean)


def order_parameter(phi: np.ndarray, e_a: np.ndarray, e_b: np.ndarray, mode: str) -> np.ndarray:
    """sigma per prompt and layer.

    phi: [n_prompts, n_layers + 1, d_model] (corrected); e_a, e_b: [n_layers + 1, d_model] unit
    directions, or [n_draws, n_layers + 1, d_model] for many direction draws at once.
    Returns [n_prompts, n_layers + 1], or [n_draws, n_prompts, n_layers + 1].
    """
    phi_unit = unit(phi)
    contrast = e_a - e_b
    if mode == "final":
        contrast = np.broadcast_to(contrast[..., -1:, :], contrast.shape)
    elif mode != "per-layer":
        raise ValueError(f"unknown direction mode {mode!r}")
    if contrast.ndim == 2:
        return np.einsum("pld,ld->pl", phi_unit, contrast)
    return np.einsum("pld,bld->bpl", phi_unit, contrast)


def directions(
    anchors_a: np.ndarray, anchors_b: np.ndarray, correction: str, baseline: Baseline
) -> tuple[np.ndarray, np.ndarray]:
    """(e_A, e_B), each [n_layers + 1, d_model], from raw anchor vectors under one correction."""
    return (
        sense_direction(correct(anchors_a, correction, baseline)),
        sense_direction(correct(anchors_b, correction, baseline)),
    )


def direction_alignment(e_a: np.ndarray, e_b: np.ndarray) -> np.ndarray:
    """cos(e_A(l) - e_B(l), e_A(L) - e_B(L)) per layer: [n_layers + 1]; NaN where the contrast is 0."""
    contrast = e_a - e_b
    norms = np.linalg.norm(contrast, axis=-1)
    cos = unit(contrast) @ unit(contrast[-1])
    return np.where(norms > 1e-12 * max(norms.max(), 1e-300), cos, np.nan)


def sign_matches(sigma_last: np.ndarray, declared: list[int]) -> np.ndarray:
    """Whether sign(sigma) at the last layer matches the declared sense (+1 = A, -1 = B), per prompt."""
    return np.sign(sigma_last) == np.asarray(declared)


def jump(sigma: np.ndarray) -> np.ndarray:
    """Spec "σ(l) のジャンプ幅": the largest |sigma(l+1) - sigma(l)| over layers. sigma: [..., n_layers + 1]."""
    return np.abs(np.diff(sigma, axis=-1)).max(axis=-1)
