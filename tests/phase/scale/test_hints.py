"""Hint prompts from glosses and the pooled chi peak (exp. 4), known-positive and known-negative."""

import numpy as np

from semphys.phase.readout.items import ReadoutWord, SenseClass
from semphys.phase.scale import ScaleSettings, pool, verdict
from semphys.phase.scale.hints import chi_summary, content_words, gloss_text, word_hints
from tests.phase.scale.synthetic import L, synthetic_words, tanh_profile


def word(lemma: str, gloss_a: str, gloss_b: str) -> ReadoutWord:
    def cls(name: str, gloss: str) -> SenseClass:
        return SenseClass(name, ("x.n.01",), (f"In the sense of {gloss}, the {lemma}",), (f"The {lemma} was here.",))

    return ReadoutWord(lemma, "n", (cls("noun.group", gloss_a), cls("noun.artifact", gloss_b)))


def test_hints_are_the_glosses_content_words():
    bank = word("bank", "a financial institution that accepts deposits", "sloping land beside a body of water")
    river = word("river", "a large natural stream of water", "a person who rives")
    assert gloss_text(bank.classes[0].glosses[0], "bank") == "a financial institution that accepts deposits"
    assert content_words("a financial institution that accepts deposits", "bank", 2) == ["financial", "institution"]
    hints = word_hints(bank, river, "{hint}. {prompt}", 2)
    assert hints.base == "The bank"
    assert hints.sense == ("financial. The bank", "institution. The bank", "sloping. The bank", "land. The bank")
    assert hints.hint_free == "Then. The bank"
    assert hints.wrong_sense == "large. The bank"


def chi_for(peak_layers: list[int], lc: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    sense = []
    for peak in peak_layers:
        chi = 0.1 * rng.random((2, L + 1))
        chi[:, peak] += 1.0
        sense.append(chi)
    flat = [0.1 * rng.random(L + 1) for _ in peak_layers]
    return chi_summary(sense, flat, flat, np.full(len(peak_layers), lc), 1, 500, 200, rng)


def test_chi_peak_row_known_positive_and_negative():
    words = synthetic_words([tanh_profile(6.0) for _ in range(30)])
    settings = ScaleSettings(n_null_draws=200, n_bootstrap=200, n_beta_null=50, n_class_permutations=99)
    for peaks, holds in (([6] * 30, True), ([12] * 30, False)):
        pooled = pool(words, L, "gloss", settings, np.random.default_rng(0))
        lc = float(np.median(pooled.words.lc))
        pooled.chi = chi_for(peaks, lc)
        rows = {c.key: c for c in verdict({"m": pooled}, {}, 200)}
        assert rows["chi_peak"].holds is holds, (peaks[0], lc, rows["chi_peak"])
