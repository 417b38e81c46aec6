"""Null draws of the verdict's claims, each at the sample size of the real statistic, and their intervals.

A claim is evidence only if a sense-free (or transition-free) input does not earn it as well. Each
draw of a claim's null recomputes the claim's statistic on exactly as many null values as the real
statistic uses: a median over 12 prompts is compared with medians over 12 null prompts, a std/mean
of 4 betas with std/mean of 4 null betas. The p of a draw set and its floor 1 / (1 + draws) are
`semphys.evidence` (`Null.from_draws`).

How the draws are built (`PhaseConfig.n_null_draws` of each):
    prompts      one control draw per word (a label-shuffled split of its anchors, a pair of random
                 directions, or a smooth-rise curve; drawn with replacement from the word's draws,
                 `draw_rows`) gives a null curve for each of that word's judged prompts; the words'
                 curves together are one draw of the model's per-prompt statistics (`resample_words`)
    smooth rise  (`smooth_rise_curves`) each real curve's best smooth monotone fit (a linear ramp, or
                 a tanh at least `SMOOTH_MIN_WIDTH` layers wide) plus the curve's own residuals
                 resampled over layers: a curve with the real one's range, noise and place of rise but
                 no abrupt step. An isotonic fit is not used: it would reproduce a step.
    betas        n values drawn with replacement from the pool of usable null betas (`pool_draws`)
    chi peak     each word's mean chi with its fitted layers permuted: the peak falls on a random
                 layer while chi's values stay those measured (`permuted_peaks`)

Intervals (`semphys.evidence.stats.nested_bootstrap`): prompts are nested in words, so each bootstrap draw resamples the
words with replacement and then the prompts within each drawn word.
"""

import numpy as np

from semphys.phase.fits import FitBounds, grid_fit

SMOOTH_MIN_WIDTH = 2.0
"""The narrowest tanh of the smooth-rise null, in layers: tanh(kappa (l - l_c)) goes from -0.76 to 0.76
of its amplitude over 2 / kappa layers, so kappa <= 2 / SMOOTH_MIN_WIDTH = 1."""
SMOOTH_KAPPA_MIN = 0.05
"""The widest tanh of the smooth-rise null (nearly a straight line over any model's depth)."""


def draw_rows(counts: list[int], n_draws: int, rng: np.random.Generator) -> list[np.ndarray | None]:
    """Per word, `n_draws` indices of its control draws (with replacement); None for a word without any."""
    return [rng.integers(count, size=n_draws) if count else None for count in counts]


def resample_words(per_word: list[np.ndarray], rows: list[np.ndarray | None], n_draws: int) -> np.ndarray:
    """Model-level null draws from per-word ones: [n_draws, sum of n_w].

    per_word: one [n_control_draws_w, n_w] array per word (control draws x that word's judged prompts);
    rows: `draw_rows` for these words (each [n_draws]). Draw d takes row rows[w][d] of every word w, so
    every statistic of one draw comes from the same control draws. A word without control draws fills
    NaN (False).
    """
    columns = []
    for draws, picked in zip(per_word, rows):
        if picked is None:
            fill = False if draws.dtype == bool else np.nan
            columns.append(
                np.full((n_draws, draws.shape[1]), fill, dtype=draws.dtype if draws.dtype == bool else float)
            )
        else:
            columns.append(draws[picked])
    return np.concatenate(columns, axis=1) if columns else np.zeros((n_draws, 0))


def pool_draws(pool: np.ndarray, n: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """`n_draws` samples of `n` values each from `pool` (with replacement): [n_draws, n]; empty pool: [0, n]."""
    pool = np.asarray(pool, dtype=np.float64)
    if len(pool) == 0:
        return np.zeros((0, n))
    return pool[rng.integers(len(pool), size=(n_draws, n))]


def permuted_peaks(chi: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Peak positions (indices into chi [n_layers]) of `n_draws` random permutations of chi's layers."""
    return rng.permuted(np.tile(np.asarray(chi, dtype=np.float64), (n_draws, 1)), axis=1).argmax(axis=1)


def coefficient_of_variation(values: np.ndarray) -> np.ndarray:
    """std / |mean| along the last axis (population std, as `exponents.exponent_statistics`)."""
    mean = values.mean(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mean != 0, values.std(axis=-1) / np.abs(mean), np.nan)


def smooth_fit(layers: np.ndarray, curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The best smooth monotone fit of each curve [n, n_layers]: a straight line or a wide tanh.

    Returns (fitted [n, n_layers], parameters fitted per curve [n]: 2 for the line, 4 for the tanh).
    The tanh is the vectorised grid fit (`fits.grid_fit`) with kappa in [SMOOTH_KAPPA_MIN,
    2 / SMOOTH_MIN_WIDTH]; the line is least squares. Per curve the one with the smaller residual wins.
    """
    x = np.asarray(layers, dtype=np.float64)
    y = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    centred = x - x.mean()
    slope = (y - y.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
    line = y.mean(axis=1, keepdims=True) + slope[:, None] * centred[None, :]
    bounds = FitBounds(kappa=(SMOOTH_KAPPA_MIN, 2.0 / SMOOTH_MIN_WIDTH))
    tanh = grid_fit(x, y, "tanh", bounds)
    c, a, l_c, kappa = tanh.params.T
    wide = c[:, None] + a[:, None] * np.tanh(kappa[:, None] * (x[None, :] - l_c[:, None]))
    use_line = ((y - line) ** 2).sum(axis=1) <= tanh.rss
    return np.where(use_line[:, None], line, wide), np.where(use_line, 2, 4)


def smooth_rise_curves(layers: np.ndarray, curves: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """The smooth-rise null: [n_draws, n_curves, n_layers] from real curves [n_curves, n_layers].

    Each draw of curve p is its smooth fit (`smooth_fit`) plus its own residuals drawn with replacement
    over the layers: the same range, noise level and place of rise as the real curve, without a step.
    The residuals are first scaled by sqrt(n / (n - k)) (n layers, k fitted parameters), since a
    least-squares fit absorbs part of the noise (the modified residuals of Davison & Hinkley 1997, 6.2):
    unscaled, the null would be a little smoother than the real curve it copies.
    """
    y = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    n, length = y.shape
    if n == 0 or n_draws == 0:
        return np.zeros((n_draws, n, length))
    fitted, k = smooth_fit(layers, y)
    residuals = (y - fitted) * np.sqrt(length / np.maximum(length - k, 1))[:, None]
    picks = rng.integers(length, size=(n_draws, n, length))
    return fitted[None] + np.take_along_axis(np.broadcast_to(residuals, (n_draws, n, length)), picks, axis=-1)


def nan_coefficient_of_variation(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """std / |mean| along `axis`, NaN ignored; NaN with fewer than 2 values."""
    with np.errstate(all="ignore"):
        count = np.isfinite(values).sum(axis=axis)
        mean = np.nanmean(values, axis=axis)
        out = np.nanstd(values, axis=axis) / np.abs(mean)
    return np.where((count >= 2) & (mean != 0), out, np.nan)
