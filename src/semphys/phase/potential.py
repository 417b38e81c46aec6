"""Spec 001 future experiment A: the potential V(sigma, l) = -T log P(sigma, l), and its wells.

P(sigma, l) is the histogram density of sigma over the held-out sentences at layer l (T = 1, units
of the sampling temperature, as the spec writes); bins where P = 0 have V = +inf (NaN in JSON).

The spec's symmetry-breaking picture predicts one well at sigma = 0 below l_c and two (senses A and
B) above it. Tested per word and layer: a 1- vs 2-component Gaussian mixture on the word's sigma
values, compared by BIC (as scikit-learn's `GaussianMixture.bic` counts it; the EM is vectorised
here, see `bic_gains`). The values are standardised per word
and layer first (bimodality does not depend on scale) and `reg_covar` floors each component's
variance at a share of the total, so two points cannot make a zero-width component whose
likelihood is infinite. The share of words with BIC(2) < BIC(1) is set against the same share under
shuffled labels (the caller recomputes sigma with permuted labels).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BimodalityConfig:
    """The mixture comparison (this module's docstring)."""

    reg_covar: float = 0.05
    """Variance floor per component, in units of the word's sigma variance at that layer."""
    min_items: int = 6
    """Words with fewer sigma values are not tested (two components need several points each)."""
    max_iter: int = 60
    """EM steps of the 2-component fit."""


def potential(sigma: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """V = -log P per layer: sigma [n_items, L + 1], bin edges [n_bins + 1] -> [L + 1, n_bins] (inf where P = 0)."""
    density = np.stack([np.histogram(sigma[:, layer], bins=bins, density=True)[0] for layer in range(sigma.shape[1])])
    with np.errstate(divide="ignore"):
        return -np.log(density)


def bic_gains(z: np.ndarray, mask: np.ndarray, config: BimodalityConfig = BimodalityConfig()) -> np.ndarray:
    """BIC(1) - BIC(2) for many 1-D samples at once: z [M, n_max] with mask [M, n_max] (True = a value).

    Each row is standardised (mean 0, variance 1 over its values); a constant row gives NaN. BIC =
    -2 log L + p log n, p = 2 (one mean, one variance) and 5 (two of each and a weight), as
    `sklearn.mixture.GaussianMixture.bic` counts them; the variance floor `reg_covar` is added as
    scikit-learn adds it. The 1-component fit is closed-form; the 2-component one is EM
    (Dempster, Laird & Rubin 1977), vectorised over rows, started from the lower and upper halves
    of each sorted sample and run `max_iter` steps. Deviation: scikit-learn's `GaussianMixture` fits
    one sample per call, about 10 ms each here, too slow for every word x layer x null draw; a test
    checks that both give the same BIC where the optimum is unambiguous.
    """
    z = np.where(mask, z, 0.0).astype(np.float64)
    w = mask.astype(np.float64)
    n = w.sum(axis=1)
    mean = (z * w).sum(axis=1) / n
    std = np.sqrt((((z - mean[:, None]) ** 2) * w).sum(axis=1) / n)
    valid = std > 1e-12 * (1 + np.abs(z).max(axis=1))
    z = np.where(mask, (z - mean[:, None]) / np.where(valid, std, 1.0)[:, None], 0.0)
    reg = config.reg_covar
    bic_one = n * (np.log(2 * np.pi * (1 + reg)) + 1 / (1 + reg)) + 2 * np.log(n)
    # start: the means and variances of the lower and upper halves of each sorted sample
    order = np.sort(np.where(mask, z, np.inf), axis=1)
    rank = np.arange(z.shape[1])[None, :]
    lower = (rank < (n // 2)[:, None]).astype(np.float64)
    upper = ((rank >= (n // 2)[:, None]) & (rank < n[:, None])).astype(np.float64)
    sorted_z = np.where(np.isfinite(order), order, 0.0)
    resp = np.stack([lower, upper], axis=-1)  # [M, n_max, 2] on the sorted values (order does not matter)
    values = sorted_z
    for _ in range(config.max_iter):
        nk = resp.sum(axis=1) + 1e-12  # [M, 2]
        weights = nk / n[:, None]
        means = (resp * values[..., None]).sum(axis=1) / nk
        var = (resp * (values[..., None] - means[:, None, :]) ** 2).sum(axis=1) / nk + reg
        log_p = (
            np.log(weights)[:, None, :]
            - 0.5 * np.log(2 * np.pi * var)[:, None, :]
            - 0.5 * (values[..., None] - means[:, None, :]) ** 2 / var[:, None, :]
        )
        total = np.logaddexp(log_p[..., 0], log_p[..., 1])  # [M, n_max]
        resp = np.exp(log_p - total[..., None]) * (lower + upper)[..., None]
    log_likelihood = (total * (lower + upper)).sum(axis=1)
    gain = bic_one - (-2 * log_likelihood + 5 * np.log(n))
    return np.where(valid, gain, np.nan)


def bic_gain(values: np.ndarray, config: BimodalityConfig = BimodalityConfig()) -> float:
    """`bic_gains` of one sample."""
    values = np.asarray(values, dtype=np.float64)[None, :]
    return float(bic_gains(values, np.ones_like(values, dtype=bool), config)[0])


def bimodal_share(sigmas: list[np.ndarray], config: BimodalityConfig = BimodalityConfig()) -> np.ndarray:
    """Share of words whose sigma prefers two components, per layer: sigmas [n_items_w, L + 1] per word -> [L + 1].

    Words with fewer than `min_items` values are left out; a constant layer counts as unimodal.
    """
    return bimodal_shares([sigmas], config)[0]


def bimodal_shares(samples: list[list[np.ndarray]], config: BimodalityConfig = BimodalityConfig()) -> np.ndarray:
    """`bimodal_share` of several word sets at once (the observed one and each null draw) -> [n_sets, L + 1]."""
    tested = [[s for s in words if len(s) >= config.min_items] for words in samples]
    n_layers = next((s.shape[1] for words in samples for s in words), 0)
    rows = [s[:, layer] for words in tested for s in words for layer in range(n_layers)]
    if not rows:
        return np.full((len(samples), n_layers), np.nan)
    width = max(len(r) for r in rows)
    z = np.zeros((len(rows), width))
    mask = np.zeros((len(rows), width), dtype=bool)
    for i, row in enumerate(rows):
        z[i, : len(row)] = row
        mask[i, : len(row)] = True
    bimodal = bic_gains(z, mask, config) > 0
    out = np.full((len(samples), n_layers), np.nan)
    start = 0
    for i, words in enumerate(tested):
        if words:
            out[i] = bimodal[start : start + len(words) * n_layers].reshape(len(words), n_layers).mean(axis=0)
        start += len(words) * n_layers
    return out
