"""Judged curves sigma(l) of real example sentences, per word and design (spec 001 exp. 1 at WordNet scale).

Each word of the readout's items (`semphys.phase.readout.items`) has classes A and B (its two most
frequent lexicographer files with an example sentence). Every example sentence of A or B is a
**judged item**; its order parameter is spec 001's sigma(l) = cos(phi(l), e_A(l)) - cos(phi(l), e_B(l))
(per-layer directions, `standardised` anisotropy correction: the phase run's primary variant), and
its **signed curve** is sigma for an A item and -sigma for a B item: positive where the item leans
to its own sense. The **word curve** is the mean signed curve of its items.

Two designs, reported apart (as in the readout):
    gloss  e_A, e_B: the mean of the corrected gloss prompts of A and B ("In the sense of <gloss>,
           the <lemma>"), never scored
    loo    leave-one-out from real sentences: an item's own class direction is the mean of the *other*
           items of its class, the other class's the mean of all its items; only for words whose two
           most frequent classes with two or more items exist (`ReadoutWord.loo_classes`)

Causal-blind items (every word before the target closed-class, in a causal model) are kept apart in
`WordCurves.blind` and never enter the word curve.

The word's own nulls (gloss design), for `beats_own_nulls`: the fit-free statistic
T = mean over the fitted layers of the word curve (how far the word's items lean to their own sense,
on average over depth) is recomputed
    other words   with the gloss contrast e_A - e_B of other words of the same model in place of the
                  word's own (a real contrast of the same kind and norm, unrelated to this word's senses)
    random        with a pair of isotropic random unit directions per layer
T is linear in sigma, so both are one product with the word's mean signed unit vector m(l):
T = mean_l m(l) . c(l); for random directions m(l) . r is |m(l)| times the first coordinate of a
uniform unit vector in d dimensions (z_1 / |z|), drawn without forming r.
"""

from dataclasses import dataclass, field

import numpy as np

from semphys.phase.anisotropy import Baseline, correct
from semphys.phase.order import unit

DESIGNS: tuple[str, ...] = ("gloss", "loo")
CORRECTION = "standardised"
"""The primary variant's anisotropy correction (`PhaseConfig.primary_correction`)."""


@dataclass(frozen=True)
class WordCurves:
    """The judged curves of one word under one design, over every layer 0..L."""

    key: str
    """`bank.n`"""
    lexname: str
    """Class A's lexicographer file (`noun.artifact`): the word's class in the per-class test."""
    curves: np.ndarray
    """[n_items, L + 1] signed sigma of the sighted judged items."""
    labels: np.ndarray
    """[n_items] 0 for an A item, 1 for a B item."""
    blind: np.ndarray
    """[n_blind, L + 1] signed sigma of the causal-blind items (kept apart)."""
    mean_unit: np.ndarray | None = None
    """[L + 1, d] mean over items of sign x unit(phi): the null statistics' one factor (gloss design)."""
    null_statistic: dict[str, np.ndarray] = field(default_factory=dict)
    """Own-null draws of T: name -> [n_draws]."""
    null_curves: np.ndarray | None = None
    """[n_keep, L + 1] word curves under other words' contrasts (the fit nulls' curves)."""

    @property
    def word_curve(self) -> np.ndarray:
        """[L + 1] the mean signed curve of the sighted items."""
        return self.curves.mean(axis=0)


def signs(labels: np.ndarray) -> np.ndarray:
    """+1 for A (label 0), -1 for B (label 1)."""
    return 1.0 - 2.0 * np.asarray(labels, dtype=np.float64)


def gloss_contrast(gloss_a: np.ndarray, gloss_b: np.ndarray, baseline: Baseline) -> np.ndarray:
    """e_A(l) - e_B(l), [L + 1, d], from raw gloss vectors [n_a or n_b, L + 1, d] (standardised, per layer)."""
    e_a = unit(correct(gloss_a, CORRECTION, baseline).mean(axis=0))
    e_b = unit(correct(gloss_b, CORRECTION, baseline).mean(axis=0))
    return e_a - e_b


def project(raw: np.ndarray, contrast: np.ndarray, baseline: Baseline) -> np.ndarray:
    """sigma [n, L + 1] of raw vectors [n, L + 1, d] on a contrast [L + 1, d] (standardised, per layer)."""
    return np.einsum("nld,ld->nl", unit(correct(raw, CORRECTION, baseline)), contrast)


def gloss_curves(raw: np.ndarray, labels: np.ndarray, contrast: np.ndarray, baseline: Baseline) -> np.ndarray:
    """Signed sigma [n, L + 1] of raw item vectors [n, L + 1, d] under the gloss design."""
    return project(raw, contrast, baseline) * signs(labels)[:, None]


def mean_signed_unit(raw: np.ndarray, labels: np.ndarray, baseline: Baseline) -> np.ndarray:
    """m(l) = mean over items of sign x unit(corrected phi(l)): [L + 1, d]."""
    return np.einsum("n,nld->ld", signs(labels), unit(correct(raw, CORRECTION, baseline))) / len(labels)


def loo_curves(raw: np.ndarray, labels: np.ndarray, baseline: Baseline) -> np.ndarray:
    """Signed leave-one-out sigma [n, L + 1]; each class needs two or more items (raw [n, L + 1, d])."""
    x = correct(raw, CORRECTION, baseline)
    u = unit(x)
    sums = np.stack([x[labels == k].sum(axis=0) for k in (0, 1)])  # [2, L + 1, d]
    own = unit(sums[labels] - x)
    other = unit(sums[1 - labels])
    cos_own = np.einsum("nld,nld->nl", u, own)
    cos_other = np.einsum("nld,nld->nl", u, other)
    return cos_own - cos_other


def own_null_statistics(
    mean_unit: np.ndarray, others: np.ndarray, fit_layers: np.ndarray, n_random: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Draws of T under the word's own nulls (see the module docstring).

    mean_unit: [L + 1, d] the word's m(l); others: [n_others, L + 1, d] other words' contrasts.
    """
    m = mean_unit[fit_layers]
    other_t = np.einsum("ld,bld->b", m, others[:, fit_layers]) / len(fit_layers)
    d = mean_unit.shape[-1]
    norms = np.linalg.norm(m, axis=-1)  # [P]
    z = rng.standard_normal((2, n_random, len(fit_layers)))
    rest = rng.chisquare(d - 1, size=(2, n_random, len(fit_layers)))
    coordinate = z / np.sqrt(z**2 + rest)  # first coordinate of a uniform unit vector in d dimensions
    random_t = ((coordinate[0] - coordinate[1]) * norms).mean(axis=-1)
    return {"other words' gloss contrasts": other_t, "random directions": random_t}


def statistic(curve: np.ndarray, fit_layers: np.ndarray) -> float:
    """T of a word curve [L + 1]: its mean over the fitted layers."""
    return float(np.mean(curve[fit_layers]))
