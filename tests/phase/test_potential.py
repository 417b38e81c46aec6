"""semphys.phase.potential: V(sigma, l) and the BIC test for two wells (spec 001 future experiment A)."""

import numpy as np
import pytest

from semphys.phase.potential import BimodalityConfig, bic_gain, bimodal_share, potential


def test_bic_prefers_two_components_on_a_bimodal_sample():
    rng = np.random.default_rng(0)
    sample = np.concatenate([rng.normal(-1, 0.15, 20), rng.normal(1, 0.15, 20)])
    assert bic_gain(sample) > 10


def test_bic_prefers_one_component_on_a_unimodal_sample():
    rng = np.random.default_rng(1)
    assert bic_gain(rng.normal(0, 1, 40)) < 0


def test_a_constant_sample_is_not_tested():
    assert np.isnan(bic_gain(np.full(8, 0.3)))


def test_bimodal_share_counts_words_per_layer_and_skips_small_words():
    rng = np.random.default_rng(2)
    bimodal = np.concatenate([rng.normal(-1, 0.1, 10), rng.normal(1, 0.1, 10)])
    unimodal = rng.normal(0, 1, 20)
    word = np.stack([unimodal, bimodal], axis=1)  # layer 0 one well, layer 1 two
    tiny = np.zeros((3, 2))
    share = bimodal_share([word, word, tiny], BimodalityConfig(min_items=6))
    assert share.tolist() == [0.0, 1.0]


def test_potential_is_minus_log_density():
    sigma = np.array([[-0.5], [-0.5], [0.5], [0.1]])
    bins = np.array([-1.0, 0.0, 1.0])
    v = potential(sigma, bins)
    # density: half the items in each unit-wide bin -> P = 0.5, V = log 2
    assert v[0] == pytest.approx([np.log(2), np.log(2)])
    assert potential(np.array([[0.5]]), bins)[0, 0] == np.inf


def test_bic_gain_equals_scikit_learns_own_bic():
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(-1, 0.3, 7), rng.normal(1.2, 0.5, 9)])
    config = BimodalityConfig()
    z = ((values - values.mean()) / values.std())[:, None]
    bics = [
        GaussianMixture(k, reg_covar=config.reg_covar, n_init=5, tol=1e-12, max_iter=5000, random_state=0).fit(z).bic(z)
        for k in (1, 2)
    ]
    assert bic_gain(values, config) == pytest.approx(bics[0] - bics[1], rel=1e-6)


def test_many_samples_at_once_equal_one_at_a_time():
    from semphys.phase.potential import bic_gains

    rng = np.random.default_rng(4)
    samples = [
        rng.normal(0, 1, 9),
        np.concatenate([rng.normal(-2, 0.2, 5), rng.normal(2, 0.2, 6)]),
        rng.normal(0, 1, 6),
    ]
    z = np.zeros((3, 11))
    mask = np.zeros((3, 11), bool)
    for i, s in enumerate(samples):
        z[i, : len(s)], mask[i, : len(s)] = s, True
    np.testing.assert_allclose(bic_gains(z, mask), [bic_gain(s) for s in samples], rtol=1e-9)
