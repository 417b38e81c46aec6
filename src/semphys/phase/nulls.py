"""Null distributions of the verdict's criteria, each at the sample size of the real statistic.

Issue 12, item 1: a criterion is evidence only if a sense-free input does not pass it as well. Each
draw of a criterion's null recomputes the criterion on exactly as many null values as the real
statistic uses: a median over 12 prompts is compared with medians over 12 null prompts, a std/mean
of 4 betas with std/mean of 4 null betas.

How the draws are built (`PhaseConfig.n_null_draws` of each):
    prompts    one control draw per word (a label-shuffled split of its anchors, or a pair of random
               directions; drawn with replacement from the word's draws, `draw_rows`) gives a null
               curve for each of that word's judged prompts; the words' curves together are one draw
               of the model's per-prompt statistics (`resample_words`)
    betas      n values drawn with replacement from the pool of usable null betas (`pool_draws`)
    chi peak   each word's mean chi with its fitted layers permuted: the peak falls on a random
               layer while chi's values stay those measured (`permuted_peaks`)

The one-sided p-value is the share of draws at least as extreme as the real value, counted as
(1 + hits) / (1 + draws) (Phipson & Smyth 2010): a null of 200 draws cannot give p below 1/201.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NullDistribution:
    """One criterion's null: its draws summarised, and where the real value lies among them."""

    source: str
    """`label_shuffle`, `random_directions` or `layer_permutation`."""
    n_draws: int
    n_sample: int
    """Values per draw: the real statistic's sample size."""
    p5: float | None
    p50: float | None
    p95: float | None
    p: float | None
    """One-sided: share of draws at least as extreme as the real value (see the module docstring)."""

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def p_value(value: float, draws: np.ndarray, comparison: str) -> float:
    """(1 + #draws at least as extreme) / (1 + #draws); `>` criteria count draws >= value, `<` ones <=."""
    hits = np.count_nonzero(draws >= value) if comparison == ">" else np.count_nonzero(draws <= value)
    return float((1 + hits) / (1 + len(draws)))


def null_distribution(value: float | None, draws: np.ndarray, comparison: str, source: str,
                      n_sample: int) -> NullDistribution:
    """Summary of `draws` [n_draws] (non-finite draws dropped); p is None without a value or draws."""
    finite = np.asarray(draws, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if len(finite) == 0:
        return NullDistribution(source, 0, n_sample, None, None, None, None)
    p5, p50, p95 = (float(v) for v in np.percentile(finite, [5, 50, 95]))
    p = p_value(value, finite, comparison) if value is not None and np.isfinite(value) else None
    return NullDistribution(source, len(finite), n_sample, p5, p50, p95, p)


def draw_rows(counts: list[int], n_draws: int, rng: np.random.Generator) -> list[np.ndarray | None]:
    """Per word, `n_draws` indices of its control draws (with replacement); None for a word without any."""
    return [rng.integers(count, size=n_draws) if count else None for count in counts]


def resample_words(per_word: list[np.ndarray], rows: list[np.ndarray | None], n_draws: int) -> np.ndarray:
    """Model-level null draws from per-word ones: [n_draws, sum of n_w].

    per_word: one [n_control_draws_w, n_w] array per word (control draws x that word's judged prompts);
    rows: `draw_rows` for these words. Draw d takes row rows[w][d] of every word w, so every statistic
    of one draw comes from the same control draws. A word without control draws fills NaN (False).
    """
    columns = []
    for draws, picked in zip(per_word, rows):
        if picked is None:
            fill = False if draws.dtype == bool else np.nan
            columns.append(np.full((n_draws, draws.shape[1]), fill, dtype=draws.dtype if draws.dtype == bool else float))
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
