"""Spec 000 §4.2's RC relaxation in token time: the overlap x_t . x_{t+k} against the lag k.

For x_t = sqrt(p_t) the overlap is the Bhattacharyya coefficient of two next-token distributions;
for residual directions it is their cosine. An overdamped linear relaxation with time constant
tau = eta / k (4.2) makes the lag overlap decay as

    C(k) = floor + amplitude exp(-k / tau),   k >= 1,

while a state that carries nothing from one token to the next gives a flat C(k) = floor (the "flat plus
noise" model: all of the token-to-token variation sits at lag 0). Both are fitted by least squares to
C(1..K); the relaxation model wins only when its Akaike information criterion (Gaussian residuals,
AIC = K log(RSS / K) + 2 p) is lower than the flat one's by `AIC_MARGIN`, the amplitude is positive and
tau lies inside the fitted range of lags; otherwise no finite tau is reported.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

AIC_MARGIN = 2.0
"""How much lower the relaxation model's AIC must be (2 = one parameter's penalty)."""


def lag_overlaps(gram: np.ndarray, max_lag: int) -> np.ndarray:
    """C(k) for k = 0..max_lag: the mean of the k-th superdiagonal of gram [T, T] (T > max_lag)."""
    if gram.shape[0] <= max_lag:
        raise ValueError(f"a sequence of {gram.shape[0]} states has no lag {max_lag}")
    return np.array([np.mean(np.diagonal(gram, offset=k)) for k in range(max_lag + 1)])


@dataclass(frozen=True)
class RelaxationFit:
    """The lag overlaps and both fits."""

    lags: list[int]
    overlap: list[float]
    """C(k) for `lags` (1..K)."""
    tau: float | None
    """The relaxation time in tokens, or None when the flat model is not beaten."""
    tau_fitted: float
    """The fitted tau whether or not it is accepted."""
    amplitude: float
    floor: float
    flat: float
    """The flat model's level (mean of C(1..K))."""
    aic_relaxation: float
    aic_flat: float

    def curve(self, lags: np.ndarray) -> np.ndarray:
        return self.floor + self.amplitude * np.exp(-np.asarray(lags, dtype=float) / self.tau_fitted)


def _aic(residual: np.ndarray, n_params: int) -> float:
    rss = max(float(np.sum(residual**2)), 1e-300)
    return len(residual) * np.log(rss / len(residual)) + 2 * n_params


def fit_relaxation(overlap: np.ndarray) -> RelaxationFit:
    """Fit C(k) = floor + amplitude exp(-k / tau) and C(k) = flat to overlap[k - 1], k = 1..K (K >= 4)."""
    overlap = np.asarray(overlap, dtype=float)
    if len(overlap) < 4:
        raise ValueError("fitting a relaxation needs overlaps at 4 or more lags")
    lags = np.arange(1, len(overlap) + 1, dtype=float)
    max_tau = 10.0 * len(overlap)

    def model(k, floor, amplitude, tau):
        return floor + amplitude * np.exp(-k / tau)

    start = (overlap[-1], max(overlap[0] - overlap[-1], 1e-6), 2.0)
    try:
        (floor, amplitude, tau), _ = curve_fit(
            model, lags, overlap, p0=start, maxfev=20000, bounds=([-np.inf, -np.inf, 1e-3], [np.inf, np.inf, max_tau])
        )
    except RuntimeError:  # no convergence: the relaxation model explains nothing
        floor, amplitude, tau = float(np.mean(overlap)), 0.0, 1.0
    flat = float(np.mean(overlap))
    aic_relax = _aic(overlap - model(lags, floor, amplitude, tau), 3)
    aic_flat = _aic(overlap - flat, 1)
    accepted = aic_relax + AIC_MARGIN < aic_flat and amplitude > 0 and tau < len(overlap)
    return RelaxationFit(
        lags=[int(k) for k in lags],
        overlap=overlap.tolist(),
        tau=float(tau) if accepted else None,
        tau_fitted=float(tau),
        amplitude=float(amplitude),
        floor=float(floor),
        flat=flat,
        aic_relaxation=float(aic_relax),
        aic_flat=float(aic_flat),
    )


COMBINED_DRAWS = 9999
"""Draws of the mean over passages under the shuffle null, combined from the per-passage shuffles."""


def combined_null_draws(shuffled: np.ndarray, rng: np.random.Generator, draws: int = COMBINED_DRAWS) -> np.ndarray:
    """[draws]: the mean over passages of (one shuffle of each passage - that passage's shuffle mean).

    shuffled [P, S]: a statistic on S independent shuffles of each of P passages. Each draw picks one
    of the S shuffles of every passage at random (independently across passages), so the draws sample
    the null distribution of the mean over passages (each passage's own null approximated by its S
    shuffles) far beyond S; the p floor is 1 / (1 + draws), not 1 / (1 + S), which Holm over a table's
    findings needs.
    """
    centred = shuffled - shuffled.mean(axis=1, keepdims=True)
    picks = rng.integers(0, shuffled.shape[1], size=(draws, shuffled.shape[0]))
    return centred[np.arange(shuffled.shape[0])[None, :], picks].mean(axis=1)


def block_shuffle(n: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """A permutation of range(n) that keeps runs of `block` consecutive tokens and shuffles their order.

    block = 1 is a full shuffle of the token order: every lag dependence is gone, which is what "flat"
    means; a longer block keeps the order inside each block and so tests only decay beyond it.
    """
    starts = np.arange(0, n, block)
    return np.concatenate([np.arange(s, min(s + block, n)) for s in rng.permutation(starts)])


def relaxation_contrast(gram: np.ndarray, max_lag: int) -> float:
    """C(1) - mean C(k) for k in [ceil(K / 2), K]: how far the overlap falls from lag 1 to long lags.

    A relaxation makes it positive; an order that carries nothing (a flat C(k)) makes it 0 on average.
    """
    overlap = lag_overlaps(gram, max_lag)
    return float(overlap[1] - np.mean(overlap[(max_lag + 1) // 2 :]))


def relaxation_test(grams: list[np.ndarray], max_lag: int, shuffles: int, block: int, seed: int = 0) -> dict:
    """Per passage: the relaxation contrast, its mean over `shuffles` block shuffles, and the fitted tau.

    grams: one [T, T] Gram matrix per passage (T > max_lag). Returns `real` [P], `shuffled_mean` [P],
    `null_draws` (`combined_null_draws`: what the claim's statistic, the mean over passages of real minus
    shuffle mean, looks like when each real order is one more shuffle), `tau` [P] (None where
    the passage's exp(-k/tau) fit does not beat flat) and the settings.
    """
    rng = np.random.default_rng(seed)
    real, shuffled, taus = [], [], []
    for gram in grams:
        real.append(relaxation_contrast(gram, max_lag))
        orders = [block_shuffle(len(gram), block, rng) for _ in range(shuffles)]
        shuffled.append([relaxation_contrast(gram[np.ix_(o, o)], max_lag) for o in orders])
        taus.append(fit_relaxation(lag_overlaps(gram, max_lag)[1:]).tau)
    shuffled = np.array(shuffled)
    means = shuffled.mean(axis=1)
    return {
        "real": real,
        "shuffled_mean": means.tolist(),
        "null_draws": combined_null_draws(shuffled, rng).tolist(),
        "tau": taus,
        "shuffles": shuffles,
        "block": block,
        "max_lag": max_lag,
    }
