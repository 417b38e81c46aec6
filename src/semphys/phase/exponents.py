"""Critical exponents and critical layers across prompts, words and models (spec 001, exp. 2 and 3).

beta statistics (exp. 2, `analyze_critical_exponent`): mean, std, std/mean and a histogram of the
second-order beta over prompts. Mean field (Landau) predicts beta = 1/2; a small std/mean would
suggest one universality class.

Critical layer of a word: the median l_c of the selected fits of its prompts with a declared sense
(all prompts if none declares one). Of a model: the median over all its words' such prompts, divided
by the number of layers L (exp. 3: l_c / L). Universality across models is judged on the spread
(max - min) of l_c / L; std and variance are reported beside it (the spec's table says 分散,
variance, but a variance of ratios in [0, 1] below 0.1 allows a std of 0.3, nearly anything).
"""

from dataclasses import dataclass

import numpy as np

from semphys.phase.config import BETA_BOUNDS


@dataclass(frozen=True)
class ExponentStats:
    """beta over a set of fits."""

    n: int
    mean: float | None
    std: float | None
    """Population std (ddof 0), as numpy's default in the spec's code."""
    cv: float | None
    """std / |mean|."""
    n_at_bound: int
    """Fits whose beta ended on a bound (counted in the statistics, flagged here)."""
    counts: list[int]
    edges: list[float]

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def exponent_statistics(
    betas: list[float],
    at_bound: list[bool] | None = None,
    bins: int = 20,
    beta_range: tuple[float, float] = BETA_BOUNDS,
) -> ExponentStats:
    """Statistics and histogram (fixed edges over `beta_range`) of the critical exponents."""
    values = np.asarray([b for b in betas if b is not None and np.isfinite(b)], dtype=np.float64)
    counts, edges = np.histogram(values, bins=bins, range=beta_range)
    bound = int(sum(at_bound)) if at_bound is not None else 0
    if len(values) == 0:
        return ExponentStats(0, None, None, None, bound, counts.tolist(), edges.tolist())
    mean, std = float(values.mean()), float(values.std())
    cv = std / abs(mean) if mean != 0 else None
    return ExponentStats(len(values), mean, std, cv, bound, counts.tolist(), edges.tolist())


def critical_layer(l_cs: list[float]) -> float | None:
    """Median of the given critical layers; None when there are none."""
    values = [v for v in l_cs if v is not None and np.isfinite(v)]
    return float(np.median(values)) if values else None


@dataclass(frozen=True)
class Universality:
    """l_c / L per model and its spread across models (exp. 3)."""

    ratios: dict[str, float | None]
    spread: float | None
    """max - min over models with a value; None with fewer than two."""
    std: float | None
    variance: float | None

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def universality(ratios: dict[str, float | None]) -> Universality:
    values = np.asarray([v for v in ratios.values() if v is not None and np.isfinite(v)])
    if len(values) < 2:
        return Universality(dict(ratios), None, None, None)
    return Universality(dict(ratios), float(values.max() - values.min()), float(values.std()), float(values.var()))
