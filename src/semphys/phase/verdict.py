"""The success criteria of spec 001 ("解析と判定基準"), each judged against its threshold and its null.

Per model, on one sigma variant, over the judged prompts (a declared sense, and not blind: a causal
model's target that sees only the neutral prompt's context cannot decide; `WordAnalysis.judged`),
on the fitted layers (`PhaseConfig.first_fit_layer`), with the per-prompt statistics of
`curve_statistics`:

    jump        median over prompts of max_l |sigma(l+1) - sigma(l)|           > 0.1   spec
    transition  median over prompts of |sigma(l_c+1) - sigma(l_c-1)| / rise    > 0.5   semphys
    r2          median over prompts of the selected fit's R^2                     > 0.9   spec
    beta_cv     std / mean of the usable second-order betas (selected form       < 0.3   spec
                second order, beta and l_c interior; n/a with fewer than 3)
    chi_peak    median over words of |peak layer of mean chi - word's l_c|      < 2     spec
Across models:
    lc_spread   max - min of median l_c / L (half-rise l_c)                      < 0.1   spec

Two outcomes per row (issue 12, item 2): `threshold_passed`, the spec's table as written, and
`beats_null`, p < `Thresholds.null_p` against every null of the row (`nulls`: label-shuffled anchors
and random directions for the prompt statistics, chi's layers permuted for the chi peak), each at the
real statistic's sample size. `passed`, the row's evidence outcome, is True only when both hold,
False when either fails, None (n/a) when either cannot be computed. The headline says, per model,
whether every criterion is evidence.

Deviations from the spec's table: the transition row and the null gate are added; l_c is the
half-rise layer for every form; layer 0 is left out (`PhaseConfig.first_fit_layer`).
"""

import zlib
from dataclasses import dataclass, field

import numpy as np

from semphys.phase.analysis import NULL_SOURCES, WordAnalysis
from semphys.phase.config import PhaseConfig, Thresholds
from semphys.phase.curve_statistics import STATISTICS, CurveStatistics
from semphys.phase.exponents import Universality, exponent_statistics
from semphys.phase.nulls import (
    NullDistribution,
    coefficient_of_variation,
    draw_rows,
    null_distribution,
    permuted_peaks,
    pool_draws,
    resample_words,
)
from semphys.phase.susceptibility import peak_distance

MIN_USABLE_BETAS = 3
"""beta std/mean is judged only over at least this many usable betas."""


@dataclass(frozen=True)
class Criterion:
    """One row of the verdict table."""

    key: str
    name: str
    threshold: float
    comparison: str
    """`>` or `<`: how the value must compare with the threshold to pass."""
    threshold_source: str
    """`spec 001` (the spec's table) or `semphys` (added here, issue 12)."""
    model: str
    """A model spec, or `all models`."""
    value: float | None
    n: int
    """Sample size of the value (prompts, betas, words or models); each null draw has as many."""
    threshold_passed: bool | None
    nulls: tuple[NullDistribution, ...]
    null_p: float
    """The p-value a row must stay below to beat its null."""
    detail: str = ""

    @property
    def null(self) -> NullDistribution | None:
        """The most demanding null (largest p); None without any."""
        judged = [d for d in self.nulls if d.p is not None]
        return max(judged, key=lambda d: d.p) if judged else None

    @property
    def beats_null(self) -> bool | None:
        return None if self.null is None else bool(self.null.p < self.null_p)

    @property
    def passed(self) -> bool | None:
        """Evidence: the threshold passed and the null beaten."""
        if self.threshold_passed is False or self.beats_null is False:
            return False
        if self.threshold_passed is None or self.beats_null is None:
            return None
        return True

    @property
    def outcome(self) -> str:
        return "n/a" if self.passed is None else "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict:
        gate = self.null
        return {
            "key": self.key, "name": self.name, "threshold": self.threshold, "comparison": self.comparison,
            "threshold_source": self.threshold_source, "model": self.model, "value": self.value, "n": self.n,
            "threshold_passed": self.threshold_passed, "nulls": [d.to_dict() for d in self.nulls],
            "null": gate.to_dict() if gate is not None else None, "p": gate.p if gate is not None else None,
            "beats_null": self.beats_null, "passed": self.passed, "outcome": self.outcome, "detail": self.detail,
        }


def judge(value: float | None, threshold: float, comparison: str) -> bool | None:
    if value is None or not np.isfinite(value):
        return None
    return bool(value > threshold) if comparison == ">" else bool(value < threshold)


def _median(values: np.ndarray) -> float | None:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if len(finite) else None


def _row_medians(draws: np.ndarray) -> np.ndarray:
    """Median over the last axis, per draw; NaN for a draw without a finite value."""
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[-1] == 0:
        return np.full(draws.shape[:-1], np.nan)
    with np.errstate(all="ignore"):
        finite = np.isfinite(draws).any(axis=-1)
        out = np.full(draws.shape[:-1], np.nan)
        out[finite] = np.nanmedian(draws[finite], axis=-1)
    return out


def _take(stats: CurveStatistics, columns: list[int]) -> CurveStatistics:
    return CurveStatistics(**{name: getattr(stats, name)[..., columns] for name in STATISTICS})


def _concatenate(parts: list[CurveStatistics], n_lead: int) -> CurveStatistics:
    """Join statistics along the prompt axis; parts have `n_lead` leading axes before it."""
    if not parts:
        empty = np.zeros((0,) * n_lead + (0,))
        return CurveStatistics(**{name: empty.astype(bool) if name == "beta_usable" else empty for name in STATISTICS})
    return CurveStatistics(**{name: np.concatenate([getattr(p, name) for p in parts], axis=-1) for name in STATISTICS})


@dataclass(frozen=True)
class WordStatistics:
    """One word's share of a model summary on one variant: plain numbers, JSON-ready.

    `combine` joins these over the words of a run; a sweep (`semphys.sweep`) stores one per job and
    joins them over thousands of words without keeping the analyses.
    """

    word: str
    n_layers: int
    first_layer: int
    n_declared: int
    n_blind: int
    """Declared-sense prompts left out of every statistic because they are blind."""
    prompts: CurveStatistics
    """Statistics of the judged prompts: [n_judged]."""
    word_lc: float | None
    chi_peak: int | None
    chi_distance: float | None
    mean_chi: list[float]
    """Mean chi over the hints at the fitted layers (empty without hints), for the chi null."""
    null: dict[str, CurveStatistics] = field(default_factory=dict)
    """source -> statistics [n_control_draws, n_judged]; empty unless the primary variant."""

    def to_dict(self) -> dict:
        return self.__dict__ | {"prompts": self.prompts.to_dict(),
                                "null": {k: v.to_dict() for k, v in self.null.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> "WordStatistics":
        return cls(**data | {"prompts": CurveStatistics.from_dict(data["prompts"]),
                             "null": {k: CurveStatistics.from_dict(v, len(data["prompts"]["jump"]))
                                      for k, v in data["null"].items()}})


def word_statistics(analysis: WordAnalysis, variant: str, primary: bool) -> WordStatistics:
    """One word's statistics on `variant` (null statistics only when it is the primary variant)."""
    judged = analysis.judged
    word_lc = analysis.critical_layer(variant)
    chi = analysis.chi[variant]
    first = analysis.first_layer
    return WordStatistics(
        word=analysis.word.word, n_layers=analysis.n_layers, first_layer=first,
        n_declared=len(analysis.declared), n_blind=len(analysis.declared) - len(judged),
        prompts=_take(analysis.statistics[variant], judged), word_lc=word_lc,
        chi_peak=chi.peak_layer if chi is not None else None,
        chi_distance=peak_distance(chi.peak_layer, word_lc) if chi is not None and word_lc is not None else None,
        mean_chi=chi.mean_chi[first:].tolist() if chi is not None else [],
        null={source: _take(stats, judged) for source, stats in analysis.null.curves.items()} if primary else {},
    )


@dataclass(frozen=True)
class ModelSummary:
    """What the verdict needs from one model on one variant, its nulls drawn at the real sample sizes."""

    model: str
    variant: str
    n_layers: int
    first_layer: int
    n_declared: int
    n_blind: int
    prompts: CurveStatistics
    """[n_judged] over all words."""
    word_lc: dict[str, float | None]
    chi_peak: dict[str, int | None]
    chi_distance: dict[str, float | None]
    null: dict[str, CurveStatistics]
    """source -> [n_null_draws, n_judged]: each draw one control draw per word (`nulls.resample_words`)."""
    beta_pools: dict[str, np.ndarray]
    """source -> the usable null betas, pooled over draws and words."""
    chi_null: np.ndarray
    """[n_null_draws] median over words of |permuted chi peak - l_c|; empty without hints."""
    n_null_draws: int

    @property
    def usable_betas(self) -> np.ndarray:
        return self.prompts.beta[self.prompts.beta_usable]

    @property
    def lc_ratio(self) -> float | None:
        """Median half-rise l_c / L over the judged prompts."""
        median = _median(self.prompts.lc)
        return median / self.n_layers if median is not None and self.n_layers else None

    def null_lc_ratio(self, source: str) -> np.ndarray:
        """[n_null_draws] median l_c / L of each null draw."""
        return _row_medians(self.null[source].lc) / self.n_layers

    def to_dict(self) -> dict:
        lc_sigma = _median(self.prompts.lc_sigma)
        return {
            "variant": self.variant, "n_layers": self.n_layers, "first_layer": self.first_layer,
            "n_declared": self.n_declared, "n_blind_excluded": self.n_blind, "n_judged": len(self.prompts.jump),
            "jump_median": _median(self.prompts.jump), "transition_median": _median(self.prompts.transition),
            "r2_median": _median(self.prompts.r2),
            "critical_exponents": exponent_statistics(self.prompts.beta.tolist()).to_dict(),
            "critical_exponents_usable": exponent_statistics(self.usable_betas.tolist()).to_dict(),
            "lc_median": _median(self.prompts.lc), "lc_over_L": self.lc_ratio,
            "lc_sigma_median": lc_sigma, "lc_sigma_over_L": lc_sigma / self.n_layers if lc_sigma is not None else None,
            "word_lc": self.word_lc, "chi_peak_layer": self.chi_peak, "chi_distance": self.chi_distance,
            "null": {
                f"{source}_exponents": exponent_statistics(pool.tolist()).to_dict()
                for source, pool in self.beta_pools.items()
            } | {"n_draws": self.n_null_draws},
        }


def _empty_draws(word: WordStatistics) -> CurveStatistics:
    """No control draws for a word (e.g. one anchor per sense): [0, n_judged]."""
    n = len(word.prompts.jump)
    return CurveStatistics(**{name: np.zeros((0, n), dtype=bool if name == "beta_usable" else np.float64)
                              for name in STATISTICS})


def _beta_pool(parts: list[CurveStatistics]) -> np.ndarray:
    return np.concatenate([p.beta[p.beta_usable] for p in parts]) if parts else np.zeros(0)


def combine(model: str, words: list[WordStatistics], variant: str, config: PhaseConfig = PhaseConfig()) -> ModelSummary:
    """A model's summary on one variant from its words' statistics, nulls included."""
    rng = np.random.default_rng([config.seed, zlib.crc32(model.encode()), zlib.crc32(variant.encode())])
    n_draws = config.n_null_draws
    sources = [s for s in NULL_SOURCES if any(s in w.null for w in words)]
    null = {}
    for source in sources:
        parts = [w.null.get(source) for w in words]
        parts = [p if p is not None else _empty_draws(w) for p, w in zip(parts, words)]
        rows = draw_rows([p.jump.shape[0] for p in parts], n_draws, rng)
        null[source] = CurveStatistics(**{
            name: resample_words([getattr(p, name) for p in parts], rows, n_draws) for name in STATISTICS
        })
    with_chi = [w for w in words if w.mean_chi and w.word_lc is not None]
    chi_null = np.zeros(0)
    if with_chi and n_draws:
        distances = np.stack([np.abs(w.first_layer + permuted_peaks(np.asarray(w.mean_chi), n_draws, rng) - w.word_lc)
                              for w in with_chi])
        chi_null = np.median(distances, axis=0)
    return ModelSummary(
        model=model, variant=variant, n_layers=words[0].n_layers if words else 0,
        first_layer=words[0].first_layer if words else config.first_fit_layer,
        n_declared=sum(w.n_declared for w in words), n_blind=sum(w.n_blind for w in words),
        prompts=_concatenate([w.prompts for w in words], 0),
        word_lc={w.word: w.word_lc for w in words}, chi_peak={w.word: w.chi_peak for w in words},
        chi_distance={w.word: w.chi_distance for w in words}, null=null,
        beta_pools={source: _beta_pool([w.null[source] for w in words if source in w.null]) for source in sources},
        chi_null=chi_null, n_null_draws=n_draws,
    )


def summarise(model: str, analyses: list[WordAnalysis], variant: str, primary: bool,
              config: PhaseConfig = PhaseConfig()) -> ModelSummary:
    """Collect one model's per-prompt statistics for one variant (nulls only for the primary)."""
    return combine(model, [word_statistics(a, variant, primary) for a in analyses], variant, config)


def _prompt_row(summary: ModelSummary, key: str, name: str, statistic: str, threshold: float, comparison: str,
                threshold_source: str, null_p: float, detail: str) -> Criterion:
    """A criterion that is the median over judged prompts of one per-prompt statistic."""
    values = getattr(summary.prompts, statistic)
    value, n = _median(values), int(np.isfinite(values).sum())
    nulls = tuple(null_distribution(value, _row_medians(getattr(stats, statistic)), comparison, source, n)
                  for source, stats in summary.null.items())
    return Criterion(key, name, threshold, comparison, threshold_source, summary.model, value, n,
                     judge(value, threshold, comparison), nulls, null_p, detail)


def _beta_row(summary: ModelSummary, thresholds: Thresholds, rng: np.random.Generator) -> Criterion:
    usable = summary.usable_betas
    n = len(usable)
    value = float(coefficient_of_variation(usable)) if n >= MIN_USABLE_BETAS else None
    nulls = tuple(
        null_distribution(value, coefficient_of_variation(pool_draws(pool, n, summary.n_null_draws, rng)), "<",
                          source, n)
        for source, pool in summary.beta_pools.items() if n
    )
    detail = (f"second-order beta of the {n} of {len(summary.prompts.beta)} judged prompts whose selected fit is "
              f"second order with beta and l_c inside the bounds (mean {_fmt(usable.mean() if n else None)}); "
              "null: std/mean of as many betas drawn from the usable null betas ("
              + ", ".join(f"{s} {len(p)}" for s, p in summary.beta_pools.items()) + ")")
    if value is None:
        detail += f"; n/a: fewer than {MIN_USABLE_BETAS} usable betas"
    return Criterion("beta_cv", "beta std/mean", thresholds.beta_cv, "<", "spec 001", summary.model, value, n,
                     judge(value, thresholds.beta_cv, "<"), nulls, thresholds.null_p, detail)


def _chi_row(summary: ModelSummary, thresholds: Thresholds) -> Criterion:
    distances = [d for d in summary.chi_distance.values() if d is not None]
    value = _median(np.asarray(distances)) if distances else None
    nulls = (null_distribution(value, summary.chi_null, "<", "layer_permutation", len(distances)),) if distances else ()
    detail = ("median over words: " + ", ".join(
        f"{w} peak {summary.chi_peak[w]} vs l_c {_fmt(summary.word_lc[w])}" for w in summary.chi_distance
        if summary.chi_peak[w] is not None) + "; null: each word's mean chi with its layers permuted"
        if distances else "no word has hints")
    return Criterion("chi_peak", "|chi peak - l_c| (layers)", thresholds.chi_distance, "<", "spec 001",
                     summary.model, value, len(distances), judge(value, thresholds.chi_distance, "<"), nulls,
                     thresholds.null_p, detail)


def _spread_row(summaries: list[ModelSummary], universal: Universality, thresholds: Thresholds) -> Criterion:
    ratios = ", ".join(f"{m} {_fmt(v)}" for m, v in universal.ratios.items())
    counted = [s for s in summaries if s.lc_ratio is not None]
    nulls = ()
    if len(counted) >= 2:
        sources = [src for src in NULL_SOURCES if all(src in s.null for s in counted)]
        nulls = tuple(
            null_distribution(universal.spread, np.ptp(np.stack([s.null_lc_ratio(src) for s in counted]), axis=0),
                              "<", src, len(counted))
            for src in sources
        )
    detail = f"max - min of median half-rise l_c/L ({ratios}); null: the same from each model's null draws"
    if universal.spread is None:
        detail += "; needs two or more models"
    return Criterion("lc_spread", "l_c/L spread across models", thresholds.lc_spread, "<", "spec 001", "all models",
                     universal.spread, len(counted), judge(universal.spread, thresholds.lc_spread, "<"), nulls,
                     thresholds.null_p, detail)


def verdict(summaries: list[ModelSummary], universal: Universality, thresholds: Thresholds,
            seed: int = 0) -> list[Criterion]:
    """The criteria table: five rows per model, then the spread across models (module docstring)."""
    rows = []
    for s in summaries:
        rng = np.random.default_rng([seed, zlib.crc32(s.model.encode()), zlib.crc32(b"beta_cv")])
        over = (f"over {len(s.prompts.jump)} judged prompts ({s.n_blind} of {s.n_declared} declared-sense prompts "
                f"left out as blind), layers {s.first_layer} to {s.n_layers}")
        rows += [
            _prompt_row(s, "jump", "sigma(l) jump", "jump", thresholds.jump, ">", "spec 001", thresholds.null_p,
                        f"median {over} of the largest change between consecutive layers"),
            _prompt_row(s, "transition", "jump at the transition", "transition", thresholds.transition, ">",
                        "semphys", thresholds.null_p,
                        f"median {over} of |sigma(l_c + 1) - sigma(l_c - 1)| / (max - min of sigma), l_c the "
                        "half-rise layer of the selected fit"),
            _prompt_row(s, "r2", "fit R^2", "r2", thresholds.r2, ">", "spec 001", thresholds.null_p,
                        f"median {over} of the R^2 of the fit chosen by information criterion"),
            _beta_row(s, thresholds, rng),
            _chi_row(s, thresholds),
        ]
    rows.append(_spread_row(summaries, universal, thresholds))
    return rows


def headline(rows: list[Criterion]) -> list[str]:
    """One sentence per model (and one for the rows across models): is every criterion evidence?"""
    sentences = []
    for model in dict.fromkeys(r.model for r in rows):
        own = [r for r in rows if r.model == model]
        both = sum(r.passed is True for r in own)
        beaten = sum(r.beats_null is True for r in own)
        answer = "yes" if all(r.passed for r in own) else "no"
        subject = "evidence for a Landau-type transition" if model != "all models" else "evidence for universality"
        sentences.append(f"{model}: {subject}: {answer} ({both} of {len(own)} criteria pass their threshold and "
                         f"beat their null; {beaten} of {len(own)} beat their null)")
    return sentences


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
