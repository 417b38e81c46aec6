"""Bootstrap over anchor sentences (spec 001, exp. 2 confidence intervals).

Each draw resamples the anchor sentences of each sense with replacement (same counts as given),
recomputes both sense directions from the resampled (corrected) anchor vectors, recomputes sigma for
every prompt, and refits every form on the grid (`fits.grid_fit`). Percentiles of the refitted
parameters are the intervals. With a single anchor for a sense every draw is the same sentence and
the interval has zero width: the report shows the anchor counts next to the intervals.
"""

from dataclasses import dataclass

import numpy as np

from semphys.phase.fits import KINDS, FitBounds, GridFits, grid_fit
from semphys.phase.order import order_parameter, sense_direction


@dataclass(frozen=True)
class BootstrapDraws:
    """sigma under resampled anchors and the grid fits of each curve."""

    sigma: np.ndarray
    """[n_draws, n_prompts, n_layers + 1]"""
    fits: list[dict[str, GridFits]]
    """Per prompt: kind -> grid fits over the draws."""


def anchor_counts(n_anchors: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial resampling counts [n_draws, n_anchors]: how often each anchor is drawn."""
    if n_draws == 0:
        return np.zeros((0, n_anchors))
    return rng.multinomial(n_anchors, np.full(n_anchors, 1.0 / n_anchors), size=n_draws).astype(np.float64)


def bootstrap_sigma(
    phi: np.ndarray, anchors_a: np.ndarray, anchors_b: np.ndarray, mode: str, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """sigma for `n_draws` anchor resamples (arrays already corrected) -> [n_draws, n_prompts, L + 1]."""
    if n_draws == 0:
        return np.zeros((0, *phi.shape[:2]))
    e_a = sense_direction(anchors_a, anchor_counts(len(anchors_a), n_draws, rng))
    e_b = sense_direction(anchors_b, anchor_counts(len(anchors_b), n_draws, rng))
    return order_parameter(phi, e_a, e_b, mode)


def bootstrap_fits(
    layers: np.ndarray,
    phi: np.ndarray,
    anchors_a: np.ndarray,
    anchors_b: np.ndarray,
    mode: str,
    n_draws: int,
    rng: np.random.Generator,
    bounds: FitBounds = FitBounds(),
) -> BootstrapDraws:
    """Resample anchors, recompute sigma and refit every form for every prompt."""
    sigma = bootstrap_sigma(phi, anchors_a, anchors_b, mode, n_draws, rng)
    return BootstrapDraws(sigma=sigma, fits=fit_per_prompt(layers, sigma, bounds))


def fit_per_prompt(layers: np.ndarray, sigma: np.ndarray, bounds: FitBounds = FitBounds()) -> list[dict[str, GridFits]]:
    """Grid fits of every form to draws of sigma [n_draws, n_prompts, L + 1], split per prompt.

    All curves go through `grid_fit` at once (one pass over the grid per form).
    """
    n_draws, n_prompts, _ = sigma.shape
    if n_draws == 0:
        return [{} for _ in range(n_prompts)]
    curves = sigma.transpose(1, 0, 2).reshape(n_draws * n_prompts, -1)
    per_kind = {kind: grid_fit(layers, curves, kind, bounds) for kind in KINDS}
    return [
        {kind: grid.take(slice(p * n_draws, (p + 1) * n_draws)) for kind, grid in per_kind.items()}
        for p in range(n_prompts)
    ]
