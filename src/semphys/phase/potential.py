"""Spec 001 future experiment A: the potential V(sigma, l) = -T log P(sigma, l), and its wells.

P(sigma, l) is the histogram density of sigma over the held-out sentences at layer l (T = 1, units
of the sampling temperature, as the spec writes); bins where P = 0 have V = +inf (NaN in JSON).

The spec's symmetry-breaking picture predicts one well at sigma = 0 below l_c and two (senses A and
B) above it. Tested per word and layer: a 1- vs 2-component Gaussian mixture on the word's sigma
values, compared by BIC (scikit-learn's `GaussianMixture.bic`). The values are standardised per word
and layer first (bimodality does not depend on scale) and `reg_covar` floors each component's
variance at a share of the total, so two points cannot make a zero-width component whose
likelihood is infinite. The share of words with BIC(2) < BIC(1) is set against the same share under
shuffled labels (the caller recomputes sigma with permuted labels).
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture


@dataclass(frozen=True)
class BimodalityConfig:
    """The mixture comparison (this module's docstring)."""

    reg_covar: float = 0.05
    """Variance floor per component, in units of the word's sigma variance at that layer."""
    min_items: int = 6
    """Words with fewer sigma values are not tested (two components need several points each)."""
    n_init: int = 1
    seed: int = 0
    init: str = "k-means++"
    """scikit-learn's `init_params`; `k-means++` seeds without Lloyd iterations (the default `kmeans` runs
    them, about 25 ms per fit here, most of the cost)."""


def potential(sigma: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """V = -log P per layer: sigma [n_items, L + 1], bin edges [n_bins + 1] -> [L + 1, n_bins] (inf where P = 0)."""
    density = np.stack([np.histogram(sigma[:, layer], bins=bins, density=True)[0] for layer in range(sigma.shape[1])])
    with np.errstate(divide="ignore"):
        return -np.log(density)


def _log_likelihood(z: np.ndarray, mixture: GaussianMixture) -> float:
    """Total log-likelihood of 1-D data z [n] under a fitted mixture (its weights, means, variances)."""
    var = mixture.covariances_.reshape(-1)
    log_p = (np.log(mixture.weights_) - 0.5 * np.log(2 * np.pi * var)
             - 0.5 * (z[:, None] - mixture.means_.reshape(-1)) ** 2 / var)
    return float(logsumexp(log_p, axis=1).sum())


def bic_gain(values: np.ndarray, config: BimodalityConfig = BimodalityConfig()) -> float:
    """BIC(1 component) - BIC(2 components) for 1-D `values`: > 0 prefers two wells. NaN when constant.

    BIC = -2 log L + p log n with p = 2 (one mean, one variance) and p = 5 (two of each and a weight),
    as `GaussianMixture.bic` counts them. The 1-component fit is closed-form (the standardised data
    have mean 0 and variance 1, plus `reg_covar` as scikit-learn adds it); the 2-component one is
    scikit-learn's EM, its likelihood evaluated here (`GaussianMixture.bic` re-validates its input,
    which costs more than the fit on a handful of points).
    """
    values = np.asarray(values, dtype=np.float64)
    spread = values.std()
    if not spread > 1e-12 * (1 + np.abs(values).max()):
        return float("nan")
    z = (values - values.mean()) / spread
    n = len(z)
    var = 1.0 + config.reg_covar
    bic_one = n * (np.log(2 * np.pi * var) + 1.0 / var) + 2 * np.log(n)
    mixture = GaussianMixture(2, reg_covar=config.reg_covar, n_init=config.n_init, init_params=config.init,
                              random_state=config.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture.fit(z[:, None])
    bic_two = -2 * _log_likelihood(z, mixture) + 5 * np.log(n)
    return float(bic_one - bic_two)


def bimodal_share(sigmas: list[np.ndarray], config: BimodalityConfig = BimodalityConfig()) -> np.ndarray:
    """Share of words whose sigma prefers two components, per layer: sigmas [n_items_w, L + 1] per word -> [L + 1].

    Words with fewer than `min_items` values are left out; a constant layer counts as unimodal.
    """
    tested = [s for s in sigmas if len(s) >= config.min_items]
    if not tested:
        return np.full(sigmas[0].shape[1] if sigmas else 0, np.nan)
    n_layers = tested[0].shape[1]
    bimodal = np.array([[bic_gain(s[:, layer], config) > 0 for layer in range(n_layers)] for s in tested])
    return bimodal.mean(axis=0)
