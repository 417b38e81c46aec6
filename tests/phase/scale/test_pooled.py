"""Pooled statistics and the three outcomes on synthetic families with a known answer (through the real code path)."""

import numpy as np
import pytest

from semphys.phase.scale import ScaleSettings, answer, pool, verdict
from tests.phase.scale.synthetic import L, ramp_profile, synthetic_words, tanh_profile

SETTINGS = ScaleSettings(n_null_draws=400, n_bootstrap=200, n_beta_null=200, n_class_permutations=199)
N_WORDS = 40


def decided(words, model: str = "synthetic"):
    pooled = pool(words, L, "gloss", SETTINGS, np.random.default_rng(1))
    claims = verdict({model: pooled}, {}, SETTINGS.n_bootstrap)
    return pooled, {c.key: c for c in claims}, answer(model, claims, pooled)


@pytest.fixture(scope="module")
def transition():
    """40 words, each switching sharply to its own sense at l_c = 6 of L = 12."""
    return decided(synthetic_words([tanh_profile(6.0) for _ in range(N_WORDS)]))


@pytest.fixture(scope="module")
def shuffled():
    """The same family with each word's labels shuffled after its vectors were made."""
    return decided(synthetic_words([tanh_profile(6.0) for _ in range(N_WORDS)], shuffle_labels=True))


def test_a_known_critical_layer_is_recovered_pooled_over_words(transition):
    pooled, rows, result = transition
    summary = pooled.to_dict()
    # within half a layer: sigma is a cosine, which saturates, so its half-rise comes a little before the
    # profile's (the profile is at 0.28 of its rise where sigma is at half of its own)
    half_layer = 0.5 / L
    assert summary["lc_over_L"]["median"] == pytest.approx(6.0 / L, abs=half_layer)
    assert summary["mean_curve_half_rise_over_L"]["value"] == pytest.approx(6.0 / L, abs=half_layer)
    low, high = summary["lc_over_L"]["interval"]
    assert low - half_layer <= 0.5 <= high + half_layer
    assert rows["separate"].holds and rows["abrupt"].holds and rows["landau_fit"].holds
    assert result.transition and result.outcome in (1, 2)
    assert summary["beats_own_nulls"]["share"] > 0.9 and summary["beats_own_nulls"]["k_wrong_way"] == 0


def test_the_label_shuffled_family_yields_no_transition(shuffled):
    pooled, rows, result = shuffled
    assert rows["separate"].holds is False
    assert result.outcome == 3 and not result.transition
    own = pooled.beats_own_nulls()
    assert own is not None and abs(own["k"] - own["k_wrong_way"]) <= 0.5 * max(own["k"], own["k_wrong_way"], 4)


def test_a_linear_ramp_is_not_abrupt():
    _, rows, result = decided(synthetic_words([ramp_profile() for _ in range(N_WORDS)]))
    assert rows["separate"].holds
    assert rows["abrupt"].holds is False
    assert result.outcome == 3 and result.criteria["separate"]  # a crossover


def test_noisy_curves_fail_the_landau_fit():
    _, rows, _ = decided(
        synthetic_words([tanh_profile(6.0) for _ in range(N_WORDS)], strength=0.4, noise=0.5, n_per_class=1)
    )
    assert rows["landau_fit"].holds is False


def test_classes_with_different_critical_layers_differ_and_equal_ones_do_not():
    lexnames = ["noun.artifact"] * 20 + ["noun.person"] * 20
    _, rows, _ = decided(synthetic_words([tanh_profile(3.0)] * 20 + [tanh_profile(9.0)] * 20, lexnames))
    assert rows["lc_classes"].holds
    _, rows, _ = decided(synthetic_words([tanh_profile(6.0)] * 40, lexnames))
    assert rows["lc_classes"].holds is False


def test_the_spread_of_l_c_over_L_across_models():
    same = {
        m: pool(synthetic_words([tanh_profile(6.0)] * 30, seed=s), L, "gloss", SETTINGS, np.random.default_rng(s))
        for m, s in (("a", 1), ("b", 2))
    }
    rows = {c.key: c for c in verdict(same, {}, SETTINGS.n_bootstrap)}
    assert rows["lc_spread"].value < 0.05 and rows["lc_spread"].threshold_passed
    apart = {
        "a": same["a"],
        "b": pool(synthetic_words([tanh_profile(10.0)] * 30, seed=3), L, "gloss", SETTINGS, np.random.default_rng(3)),
    }
    rows = {c.key: c for c in verdict(apart, {}, SETTINGS.n_bootstrap)}
    assert rows["lc_spread"].holds is False and not rows["lc_spread"].threshold_passed


def test_the_leave_one_out_design_is_exploratory_only(transition):
    pooled, _, _ = transition
    rows = verdict({"m": pooled}, {"m": pooled}, 100)
    loo = [c for c in rows if c.key and c.key.startswith(f"{pooled.design}:")]
    assert loo and all(c.kind == "exploratory" and c.holds is None for c in loo)
