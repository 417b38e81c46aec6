"""The success criteria of spec 001 ("解析と判定基準"), computed and judged as measured.

Per model, on one sigma variant, over the prompts with a declared sense (a neutral prompt is not
expected to decide):

    jump        median over prompts of max_l |sigma(l+1) - sigma(l)|          > 0.1
    r2          median over prompts of the selected fit's R^2                   > 0.9
    beta_cv     std / mean of the second-order beta over prompts                < 0.3
                (over the betas not on a bound of the fit: a beta on its bound, e.g. a rise within
                one layer pushing beta to 0.1, is a limit, not an estimate; n/a with fewer than 3)
    chi_peak    median over words of |peak layer of mean chi - word's l_c|      < 2 layers
Across models:
    lc_spread   max - min of l_c / L                                             < 0.1

Each row carries the value of the same statistic under the label-shuffle null where one exists, so
a PASS that the null passes too is visible as such. A criterion that cannot be computed (one model
for the spread, no hints for chi) is `None`, shown as n/a, never PASS or FAIL.
"""

from dataclasses import dataclass

import numpy as np

from semphys.phase.analysis import WordAnalysis
from semphys.phase.config import Thresholds
from semphys.phase.exponents import (
    ExponentStats,
    Universality,
    critical_layer,
    exponent_statistics,
)
from semphys.phase.order import jump
from semphys.phase.susceptibility import peak_distance

MIN_INTERIOR_BETAS = 3
"""beta std/mean is judged only over at least this many betas that are not on a bound."""


@dataclass(frozen=True)
class Criterion:
    """One row of the verdict table."""

    key: str
    name: str
    threshold: float
    comparison: str
    """`>` or `<`: how the value must compare with the threshold to pass."""
    model: str
    """A model spec, or `all models`."""
    value: float | None
    null_value: float | None
    passed: bool | None
    detail: str = ""

    def to_dict(self) -> dict:
        return self.__dict__.copy()

    @property
    def outcome(self) -> str:
        return "n/a" if self.passed is None else "PASS" if self.passed else "FAIL"


def judge(value: float | None, threshold: float, comparison: str) -> bool | None:
    if value is None or not np.isfinite(value):
        return None
    return bool(value > threshold) if comparison == ">" else bool(value < threshold)


def _median(values: list[float]) -> float | None:
    finite = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.median(finite)) if finite else None


@dataclass(frozen=True)
class ModelSummary:
    """What the verdict needs from one model on one variant."""

    model: str
    variant: str
    n_layers: int
    jumps: list[float]
    r2: list[float]
    exponents: ExponentStats
    interior_exponents: ExponentStats
    """beta statistics over the fits whose beta is not on a bound (the criterion uses these)."""
    lc: list[float]
    """Selected-fit l_c of every declared-sense prompt."""
    lc_ratio: float | None
    """Median l_c / L."""
    word_lc: dict[str, float | None]
    chi_peak: dict[str, int | None]
    chi_distance: dict[str, float | None]
    null_jumps: list[float]
    null_r2: list[float]
    null_exponents: ExponentStats | None
    null_interior_exponents: ExponentStats | None
    random_jumps: list[float]

    def to_dict(self) -> dict:
        return {
            "variant": self.variant,
            "n_layers": self.n_layers,
            "jump_median": _median(self.jumps),
            "r2_median": _median(self.r2),
            "critical_exponents": self.exponents.to_dict(),
            "critical_exponents_interior": self.interior_exponents.to_dict(),
            "lc_median": _median(self.lc),
            "lc_over_L": self.lc_ratio,
            "word_lc": self.word_lc,
            "chi_peak_layer": self.chi_peak,
            "chi_distance": self.chi_distance,
            "null": {
                "label_shuffle_jump_median": _median(self.null_jumps),
                "label_shuffle_r2_median": _median(self.null_r2),
                "label_shuffle_exponents": self.null_exponents.to_dict() if self.null_exponents else None,
                "label_shuffle_exponents_interior": (
                    self.null_interior_exponents.to_dict() if self.null_interior_exponents else None
                ),
                "random_directions_jump_median": _median(self.random_jumps),
            },
        }


@dataclass(frozen=True)
class WordStatistics:
    """One word's share of a model summary on one variant: plain numbers, JSON-ready.

    `summarise` combines these over the words of a run; a sweep (`semphys.sweep`) stores one per job
    and combines them over thousands of words without keeping the analyses.
    """

    word: str
    n_layers: int
    jumps: list[float]
    """max_l |sigma(l+1) - sigma(l)| of each declared-sense prompt."""
    r2: list[float]
    """R^2 of each declared prompt's selected fit."""
    betas: list[float]
    """beta of each declared prompt's second-order fit."""
    at_bound: list[bool]
    """Whether that beta sits on a bound of the fit."""
    lc: list[float]
    """l_c of each declared prompt's selected fit."""
    word_lc: float | None
    chi_peak: int | None
    chi_distance: float | None
    null_jumps: list[float]
    null_r2: list[float]
    null_betas: list[float]
    random_jumps: list[float]

    def to_dict(self) -> dict:
        return self.__dict__.copy()

    @classmethod
    def from_dict(cls, data: dict) -> "WordStatistics":
        return cls(**data)


def word_statistics(analysis: WordAnalysis, variant: str, primary: bool) -> WordStatistics:
    """One word's statistics on `variant` (null statistics only when it is the primary variant)."""
    sigma = analysis.sigma[variant]
    jumps, r2, betas, at_bound, lcs = [], [], [], [], []
    for i in analysis.declared:
        selection = analysis.fits[variant][i]
        jumps.append(float(jump(sigma[i])))
        r2.append(float(selection.chosen.r2))
        second = selection.fits["second_order"]
        betas.append(float(second.params["beta"]))
        at_bound.append("beta" in second.at_bound)
        lcs.append(float(selection.chosen.params["l_c"]))
    word_lc = analysis.critical_layer(variant)
    chi = analysis.chi[variant]
    return WordStatistics(
        word=analysis.word.word, n_layers=analysis.n_layers, jumps=jumps, r2=r2, betas=betas,
        at_bound=at_bound, lc=lcs, word_lc=word_lc,
        chi_peak=int(chi.peak_layer) if chi is not None else None,
        chi_distance=peak_distance(chi.peak_layer, word_lc) if chi is not None and word_lc is not None else None,
        null_jumps=[float(v) for v in analysis.null.jumps] if primary else [],
        null_r2=[float(v) for v in analysis.null.r2] if primary else [],
        null_betas=[float(v) for v in analysis.null.betas] if primary else [],
        random_jumps=[float(v) for v in analysis.null.random_jumps] if primary else [],
    )


def combine(model: str, words: list[WordStatistics], variant: str,
            beta_range: tuple[float, float] = (0.1, 2.0)) -> ModelSummary:
    """A model's summary on one variant from its words' statistics."""
    jumps = [v for w in words for v in w.jumps]
    betas = [v for w in words for v in w.betas]
    at_bound = [v for w in words for v in w.at_bound]
    lcs = [v for w in words for v in w.lc]
    null_betas = [v for w in words for v in w.null_betas]
    interior = [b for b, bound in zip(betas, at_bound) if not bound]
    null_interior = [b for b in null_betas if min(abs(b - beta_range[0]), abs(b - beta_range[1])) > 1e-6]
    lc_median = critical_layer(lcs)
    n_layers = words[0].n_layers if words else 0
    return ModelSummary(
        model=model, variant=variant, n_layers=n_layers, jumps=jumps, r2=[v for w in words for v in w.r2],
        exponents=exponent_statistics(betas, at_bound, beta_range=beta_range),
        interior_exponents=exponent_statistics(interior, beta_range=beta_range), lc=lcs,
        lc_ratio=lc_median / n_layers if lc_median is not None and n_layers else None,
        word_lc={w.word: w.word_lc for w in words}, chi_peak={w.word: w.chi_peak for w in words},
        chi_distance={w.word: w.chi_distance for w in words},
        null_jumps=[v for w in words for v in w.null_jumps], null_r2=[v for w in words for v in w.null_r2],
        null_exponents=exponent_statistics(null_betas, beta_range=beta_range) if null_betas else None,
        null_interior_exponents=exponent_statistics(null_interior, beta_range=beta_range) if null_betas else None,
        random_jumps=[v for w in words for v in w.random_jumps],
    )


def summarise(model: str, analyses: list[WordAnalysis], variant: str, primary: bool,
              beta_range: tuple[float, float] = (0.1, 2.0)) -> ModelSummary:
    """Collect one model's per-prompt statistics for one variant (null statistics only for the primary)."""
    return combine(model, [word_statistics(a, variant, primary) for a in analyses], variant, beta_range)


def verdict(summaries: list[ModelSummary], universal: Universality, thresholds: Thresholds) -> list[Criterion]:
    """The criteria table: four rows per model, then the spread across models."""
    rows = []
    for s in summaries:
        n = len(s.jumps)
        rows.append(Criterion(
            "jump", "sigma(l) jump", thresholds.jump, ">", s.model, _median(s.jumps), _median(s.null_jumps),
            judge(_median(s.jumps), thresholds.jump, ">"),
            f"median over {n} declared-sense prompts of the largest change between consecutive layers",
        ))
        rows.append(Criterion(
            "r2", "fit R^2", thresholds.r2, ">", s.model, _median(s.r2), _median(s.null_r2),
            judge(_median(s.r2), thresholds.r2, ">"),
            f"median over {n} prompts of the R^2 of the fit chosen by information criterion",
        ))
        inner, every = s.interior_exponents, s.exponents
        cv = inner.cv if inner.n >= MIN_INTERIOR_BETAS else None
        null_inner = s.null_interior_exponents
        null_cv = null_inner.cv if null_inner is not None and null_inner.n >= MIN_INTERIOR_BETAS else None
        rows.append(Criterion(
            "beta_cv", "beta std/mean", thresholds.beta_cv, "<", s.model, cv, null_cv,
            judge(cv, thresholds.beta_cv, "<"),
            f"second-order beta of the {inner.n} of {every.n} prompts whose beta is not on a bound "
            f"(mean {_fmt(inner.mean)}, std {_fmt(inner.std)}); all {every.n}: mean {_fmt(every.mean)}, "
            f"std/mean {_fmt(every.cv)}" + ("" if cv is not None else f"; n/a: fewer than {MIN_INTERIOR_BETAS} "
                                            "interior estimates, a beta on its bound is a limit, not an estimate"),
        ))
        distances = [d for d in s.chi_distance.values() if d is not None]
        chi_value = _median(distances)
        rows.append(Criterion(
            "chi_peak", "|chi peak - l_c| (layers)", thresholds.chi_distance, "<", s.model, chi_value, None,
            judge(chi_value, thresholds.chi_distance, "<"),
            "median over words: " + ", ".join(
                f"{w} peak {s.chi_peak[w]} vs l_c {_fmt(s.word_lc[w])}" for w in s.chi_distance if s.chi_peak[w] is not None
            ) if distances else "no word has hints",
        ))
    ratios = ", ".join(f"{m} {_fmt(v)}" for m, v in universal.ratios.items())
    rows.append(Criterion(
        "lc_spread", "l_c/L spread across models", thresholds.lc_spread, "<", "all models", universal.spread, None,
        judge(universal.spread, thresholds.lc_spread, "<"),
        f"max - min of l_c/L ({ratios})" + ("" if universal.spread is not None else "; needs two or more models"),
    ))
    return rows


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.3g}"


def sign_accuracy(analyses: list[WordAnalysis], correction: str) -> dict:
    """Exp. 1's sanity check: does sign(sigma) at the last layer match the declared sense?

    At the last layer both direction modes coincide, so only the correction matters. Counted over
    strong prompts (label `strong_*`), over every declared-sense prompt, and over strong prompts whose
    target sees more than the base prompt's context (`WordAnalysis.blind`; matters for causal models).
    Returns `{"prompts": [...], "accuracy": {group: {"hits", "n", "fraction"}}}`.
    """
    variant = f"per-layer/{correction}"
    rows = []
    for analysis in analyses:
        sigma = analysis.sigma[variant]
        for i in analysis.declared:
            prompt = analysis.word.prompts[i]
            expected = analysis.expected_sign(i)
            rows.append({
                "word": analysis.word.word, "label": prompt.label, "sense": prompt.sense,
                "strength": prompt.strength, "sigma_last": float(sigma[i, -1]),
                "expected_sign": expected, "match": bool(np.sign(sigma[i, -1]) == expected),
                "blind": analysis.blind[i],
            })
    groups = {
        "strong": [r for r in rows if r["strength"] == "strong"],
        "declared": rows,
        "strong_seeing_context": [r for r in rows if r["strength"] == "strong" and not r["blind"]],
    }
    accuracy = {}
    for name, members in groups.items():
        hits = sum(r["match"] for r in members)
        accuracy[name] = {"hits": hits, "n": len(members), "fraction": hits / len(members) if members else None}
    return {"prompts": rows, "accuracy": accuracy}


def null_sign_accuracy(analyses: list[WordAnalysis]) -> float | None:
    """Sign accuracy of strong prompts under the label-shuffle null of the primary variant."""
    hits = [h for a in analyses for h in a.null.sign_hits]
    return float(np.mean(hits)) if hits else None
