"""Is beta universal across words, and does l_c differ between lexicographer classes? (spec 001 exp. 2 and 3)

beta spread (`beta_spread`). Universality is the null hypothesis. The statistic is the spread of beta
over words, std / |mean| (the spec's "β の標準偏差 / 平均"), over the words whose free second-order fit
of the word curve is interior (neither beta nor the onset on a bound of the fit: a beta on a bound
is a limit, not an estimate). Its null is a parametric bootstrap under one shared beta:
    1. refit every word curve with a single beta shared by all words (each word keeps its own offset,
       amplitude and onset): the beta minimising the summed residual over words, on the grid of
       `semphys.phase.fits`;
    2. simulate each word from its shared-beta fit plus its own residuals resampled over layers
       (scaled by sqrt(n / (n - k)), k = 3 fitted per word, as `phase.nulls.smooth_rise_curves`);
    3. refit every simulated word freely and take the spread by the same rule.
An observed spread larger than the simulated ones rejects universality. Shuffled curves are not this
null: they spread more by construction (noise fits take any beta).

Classes (`class_test`): whether l_c/L differs between lexicographer classes (noun.artifact,
noun.person, ...): the between-class variance of the class means of l_c/L (classes of at least
`min_words` words), against the class labels permuted over words (a permutation test by word).
"""

from dataclasses import dataclass

import numpy as np

from semphys.evidence import Null, percentile_interval
from semphys.phase.fits import FitBounds, fit_grid, grid_fit
from semphys.phase.verdict.nulls import coefficient_of_variation

_BOUND_TOL = 1e-6


@dataclass(frozen=True)
class BetaSpread:
    """The observed spread of beta over words and its shared-beta null."""

    value: float | None
    """std / |mean| of the interior free second-order betas; None with fewer than two."""
    n_words: int
    """Words with an interior fit (the spread's sample)."""
    shared_beta: float | None
    null: np.ndarray
    """[n_draws] the spread of each simulated set (NaN where fewer than two were interior)."""
    interval: tuple[float, float] | None
    """95% interval of the observed spread, words resampled."""

    @property
    def null_p(self) -> float | None:
        summary = Null.from_draws("shared beta", self.null, self.value, "higher")
        return summary.p

    def to_dict(self) -> dict:
        finite = self.null[np.isfinite(self.null)]
        return {
            "value": self.value,
            "null_p": self.null_p,
            "n_words": self.n_words,
            "shared_beta": self.shared_beta,
            "n_draws": int(len(self.null)),
            "null_median": float(np.median(finite)) if len(finite) else None,
            "interval": list(self.interval) if self.interval is not None else None,
        }


def interior_betas(layers: np.ndarray, curves: np.ndarray, bounds: FitBounds) -> np.ndarray:
    """Free second-order beta of each curve [n, P]; NaN where beta or the onset is on a bound."""
    fits = grid_fit(layers, curves, "second_order", bounds)
    lc, beta = fits.params[:, 2], fits.params[:, 3]
    x = np.asarray(layers, dtype=np.float64)

    def on(values: np.ndarray, low: float, high: float) -> np.ndarray:
        scale = _BOUND_TOL * max(1.0, abs(high))
        return (np.abs(values - low) <= scale) | (np.abs(values - high) <= scale)

    inside = ~on(beta, *bounds.beta) & ~on(lc, x[0], x[-1] - 1) & (fits.params[:, 1] != 0)
    return np.where(inside, beta, np.nan)


def _spread(betas: np.ndarray) -> float:
    finite = betas[np.isfinite(betas)]
    return float(coefficient_of_variation(finite)) if len(finite) >= 2 else float("nan")


def shared_beta_fit(layers: np.ndarray, curves: np.ndarray, bounds: FitBounds) -> tuple[float, np.ndarray]:
    """(the shared beta, each curve's fit under it [n, P]) on the grid of `phase.fits` (see the module docstring)."""
    x = tuple(float(v) for v in np.asarray(layers, dtype=np.float64))
    nonlinear, basis = fit_grid(x, "second_order", bounds)
    n_shape = len(np.unique(nonlinear[:, 1]))
    f_mean = basis.mean(axis=1)
    f_centred = basis - f_mean[:, None]
    s_ff = (f_centred**2).sum(axis=1)
    inverse = np.where(s_ff > 1e-12, 1.0 / np.where(s_ff > 1e-12, s_ff, 1.0), 0.0)
    y = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    y_mean = y.mean(axis=1)
    s_fy = (y - y_mean[:, None]) @ f_centred.T  # [n, G]
    gain = (s_fy**2 * inverse).reshape(len(y), -1, n_shape)  # [n, n_lc, n_beta]: l_c-major grid
    best_lc = gain.argmax(axis=1)  # [n, n_beta]
    total = np.take_along_axis(gain, best_lc[:, None, :], axis=1)[:, 0, :].sum(axis=0)
    shape_index = int(total.argmax())
    index = best_lc[:, shape_index] * n_shape + shape_index  # [n] grid index of each curve's fit
    slope = s_fy[np.arange(len(y)), index] * inverse[index]
    offset = y_mean - slope * f_mean[index]
    fitted = offset[:, None] + slope[:, None] * basis[index]
    return float(nonlinear[index[0], 1]), fitted


def beta_spread(
    layers: np.ndarray, curves: np.ndarray, bounds: FitBounds, n_draws: int, n_bootstrap: int, rng: np.random.Generator
) -> BetaSpread:
    """The spread of beta over word curves [n_words, P] (fitted layers) and its shared-beta null."""
    y = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    betas = interior_betas(layers, y, bounds)
    value = _spread(betas)
    n_interior = int(np.isfinite(betas).sum())
    if len(y) < 2:
        return BetaSpread(None, n_interior, None, np.full(n_draws, np.nan), None)
    shared, fitted = shared_beta_fit(layers, y, bounds)
    n, length = y.shape
    residuals = (y - fitted) * np.sqrt(length / max(length - 3, 1))
    picks = rng.integers(length, size=(n_draws, n, length))
    simulated = fitted[None] + np.take_along_axis(np.broadcast_to(residuals, (n_draws, n, length)), picks, axis=-1)
    simulated_betas = interior_betas(layers, simulated.reshape(n_draws * n, length), bounds).reshape(n_draws, n)
    null = np.array([_spread(row) for row in simulated_betas])
    finite = np.flatnonzero(np.isfinite(betas))
    interval = None
    if len(finite) >= 2:
        draws = np.array([_spread(betas[rng.choice(finite, size=len(finite))]) for _ in range(n_bootstrap)])
        low, high = percentile_interval(draws)
        interval = (float(low), float(high))
    return BetaSpread(value if np.isfinite(value) else None, n_interior, shared, null, interval)


@dataclass(frozen=True)
class ClassTest:
    """l_c/L by lexicographer class and the permutation test by word."""

    classes: dict[str, dict]
    """lexname -> {n_words, median_lc_over_L}, classes with at least `min_words` words."""
    value: float | None
    """Between-class variance of the class means of l_c/L."""
    null: np.ndarray
    """[n_permutations] the statistic with class labels permuted over words."""
    interval: tuple[float, float] | None

    def to_dict(self) -> dict:
        summary = Null.from_draws("class labels permuted over words", self.null, self.value, "higher")
        return {
            "classes": self.classes,
            "value": self.value,
            "null_p": summary.p,
            "null_median": summary.p50,
            "n_permutations": int(len(self.null)),
            "interval": list(self.interval) if self.interval is not None else None,
        }


def between_class_variance(values: np.ndarray, labels: np.ndarray) -> float:
    """sum_k n_k (mean_k - mean)^2 / n over the classes present in `labels` [n]."""
    grand = values.mean()
    total = 0.0
    for label in np.unique(labels):
        members = values[labels == label]
        total += len(members) * (members.mean() - grand) ** 2
    return float(total / len(values))


def class_test(
    lc_over_l: np.ndarray,
    lexnames: list[str],
    n_permutations: int,
    n_bootstrap: int,
    rng: np.random.Generator,
    min_words: int = 5,
) -> ClassTest:
    """Whether l_c/L [n_words] differs between the words' classes (see the module docstring)."""
    values = np.asarray(lc_over_l, dtype=np.float64)
    names = np.asarray(lexnames)
    finite = np.isfinite(values)
    kept_names, counts = np.unique(names[finite], return_counts=True)
    large = set(kept_names[counts >= min_words].tolist())
    keep = finite & np.isin(names, list(large))
    v, labels = values[keep], names[keep]
    classes = {
        str(k): {"n_words": int((labels == k).sum()), "median_lc_over_L": float(np.median(v[labels == k]))}
        for k in sorted(large)
    }
    if len(large) < 2:
        return ClassTest(classes, None, np.full(n_permutations, np.nan), None)
    value = between_class_variance(v, labels)
    null = np.array([between_class_variance(v, rng.permutation(labels)) for _ in range(n_permutations)])
    draws = []
    for _ in range(n_bootstrap):
        pick = rng.integers(len(v), size=len(v))
        if len(np.unique(labels[pick])) >= 2:
            draws.append(between_class_variance(v[pick], labels[pick]))
    low, high = percentile_interval(np.array(draws)) if draws else (np.nan, np.nan)
    return ClassTest(classes, value, null, (float(low), float(high)))
