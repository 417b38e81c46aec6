"""Spec 001 answered at WordNet scale: the order parameter, fits, exponents, susceptibility and phase diagram
over every usable word of the held-out readout's items, in real example sentences.

    curves        judged curves sigma(l) per example sentence, gloss and leave-one-out designs, own nulls
    contexts      exp. 5: growing contexts around the target, pooled into a critical line
    hints         exp. 4: chi(l) from gloss content words, hint-free and wrong-sense references
    universality  beta spread against one shared beta; l_c/L by lexicographer class
    pooled        exp. 2 and 3 pooled over words (intervals resample words)
    claims        the claim rows (`semphys.evidence`) and spec 001's three outcomes
    measure       all of it on one loaded model (captures through `semphys.lm`)
    settings      `ScaleSettings`
"""

from semphys.phase.scale.claims import OUTCOMES, Answer, answer, verdict
from semphys.phase.scale.measure import ModelScale, measure_model
from semphys.phase.scale.pooled import PooledStatistics, pool
from semphys.phase.scale.settings import ScaleSettings

__all__ = [
    "OUTCOMES",
    "Answer",
    "ModelScale",
    "PooledStatistics",
    "ScaleSettings",
    "answer",
    "measure_model",
    "pool",
    "verdict",
]
