"""`word_order`, the notebook entry to one word's sigma(l): the same numbers as the phase run's analysis."""

import numpy as np
import pytest

from semphys.core.errors import UserError
from semphys.lm.cache import Request
from semphys.phase import PhaseConfig, builtin_word
from semphys.phase.activations import capture_all, stack, suite_requests
from semphys.phase.analysis import analyse_word
from semphys.phase.anisotropy import baseline_for
from semphys.phase.inputs.prompts import Suite
from semphys.phase.word import OrderCurves, word_order

CHEAP = PhaseConfig(n_bootstrap=0, n_random_directions=4, n_label_shuffles=4, fit_starts=1)


def test_word_order_equals_the_phase_run_s_sigma_for_every_variant(tiny_gpt2):
    word = builtin_word("bank")
    requests = suite_requests(Suite((word,), "builtin"), CHEAP.hint_template)
    vectors, _ = capture_all(tiny_gpt2, requests, None, CHEAP.pooling, CHEAP.final_norm, CHEAP.capture_chunk)
    baseline = stack(vectors, [Request(p, t) for p, t in baseline_for("bank")])
    analysis = analyse_word(word, vectors, baseline, CHEAP, tiny_gpt2.facts.causal)
    for correction, mode in [("standardised", "per-layer"), ("raw", "final"), ("centred", "per-layer")]:
        curves = word_order(tiny_gpt2, "bank", correction, mode, CHEAP)
        np.testing.assert_allclose(curves.sigma, analysis.sigma[f"{mode}/{correction}"], rtol=1e-6, atol=1e-9)


def test_the_fit_of_a_planted_step_picks_the_step_and_its_layer():
    word = builtin_word("bank")
    planted = np.where(np.arange(13) > 6.5, 0.8, -0.1)[None, :].repeat(len(word.prompts), 0)
    curves = OrderCurves(word, "planted", "raw", "per-layer", planted, 1)
    fit = curves.fit(0, CHEAP)
    assert fit.best == "step" and 6 <= fit.chosen.params["l_c"] <= 7
    assert fit.plot() is not None and curves.plot() is not None


def test_an_unknown_word_or_correction_is_one_line_naming_what_is_allowed(tiny_gpt2):
    with pytest.raises(UserError, match="built-in words are bank, bat, crane"):
        word_order(tiny_gpt2, "zebra")
    with pytest.raises(UserError, match="correction"):
        word_order(tiny_gpt2, "bank", correction="whitened")
