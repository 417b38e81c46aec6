"""Spec 001's per-variant summaries of one model, what the verdict's claims are built from (`verdict`).

`word_statistics` gathers one word's per-prompt statistics (`curve_statistics`) and null draws on one
sigma variant, over the judged prompts and the fitted layers; `combine` pools the words of one model
into a `ModelSummary` (medians, critical exponents, l_c / L, the chi peak, and every null's medians at
the real sample size, `nulls`); `summarise` does both from a run's analyses. `sign_accuracy` is the
check that sigma's sign names the declared sense.
"""

import zlib
from dataclasses import dataclass, field

import numpy as np

from semphys.phase.analysis import NULL_SOURCES, WordAnalysis
from semphys.phase.config import PhaseConfig
from semphys.phase.exponents import exponent_statistics
from semphys.phase.susceptibility import peak_distance
from semphys.phase.verdict.curve_statistics import STATISTICS, CurveStatistics
from semphys.phase.verdict.nulls import (
    draw_rows,
    permuted_peaks,
    resample_words,
)

MEDIAN_STATISTICS: tuple[str, ...] = ("amplitude", "jump_rescaled", "transition", "r2", "lc")
"""Per null draw, the median over prompts of these (jump_rescaled: step share x the real curve's range)."""
DRAW_CELLS = 2_000_000
"""Null draws are summarised in chunks of about this many (draw, prompt) cells, so memory stays flat."""


def finite_median(values: np.ndarray) -> float | None:
    """The median of the finite values, None when there is none."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if len(finite) else None


def _row_medians(draws: np.ndarray) -> np.ndarray:
    """Median over the last axis, per draw; NaN for a draw without a finite value."""
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[-1] == 0:
        return np.full(draws.shape[:-1], np.nan)
    if np.isfinite(draws).all():
        return np.median(draws, axis=-1)
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

    `combine` joins these over the words of a run; a sweep (`semphys.experiments.sweep`) stores one per job and
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
        return self.__dict__ | {
            "prompts": self.prompts.to_dict(),
            "null": {k: v.to_dict() for k, v in self.null.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "WordStatistics":
        return cls(
            **data
            | {
                "prompts": CurveStatistics.from_dict(data["prompts"]),
                "null": {
                    k: CurveStatistics.from_dict(v, len(data["prompts"]["jump"])) for k, v in data["null"].items()
                },
            }
        )


def word_statistics(analysis: WordAnalysis, variant: str, primary: bool) -> WordStatistics:
    """One word's statistics on `variant` (null statistics only when it is the primary variant)."""
    judged = analysis.judged
    word_lc = analysis.critical_layer(variant)
    chi = analysis.chi[variant]
    first = analysis.first_layer
    return WordStatistics(
        word=analysis.word.word,
        n_layers=analysis.n_layers,
        first_layer=first,
        n_declared=len(analysis.declared),
        n_blind=len(analysis.declared) - len(judged),
        prompts=_take(analysis.statistics[variant], judged),
        word_lc=word_lc,
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
    prompt_words: np.ndarray
    """[n_judged] the index of each judged prompt's word (the bootstrap's clusters)."""
    word_lc: dict[str, float | None]
    chi_peak: dict[str, int | None]
    chi_distance: dict[str, float | None]
    null_medians: dict[str, dict[str, np.ndarray]]
    """source -> statistic (`MEDIAN_STATISTICS`) -> [n_null_draws] median over the draw's prompts; each
    draw one control draw per word (`nulls.resample_words`)."""
    n_control: dict[str, dict[str, int]]
    """source -> word -> distinct control draws the word offered (e.g. the balanced label splits)."""
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
        median = finite_median(self.prompts.lc)
        return median / self.n_layers if median is not None and self.n_layers else None

    def null_lc_ratio(self, source: str) -> np.ndarray:
        """[n_null_draws] median l_c / L of each null draw."""
        return self.null_medians[source]["lc"] / self.n_layers

    def to_dict(self) -> dict:
        lc_sigma = finite_median(self.prompts.lc_sigma)
        return {
            "variant": self.variant,
            "n_layers": self.n_layers,
            "first_layer": self.first_layer,
            "n_declared": self.n_declared,
            "n_blind_excluded": self.n_blind,
            "n_judged": len(self.prompts.jump),
            "amplitude_median": finite_median(self.prompts.amplitude),
            "jump_median": finite_median(self.prompts.jump),
            "step_share_median": finite_median(self.prompts.step_share),
            "transition_median": finite_median(self.prompts.transition),
            "r2_median": finite_median(self.prompts.r2),
            "critical_exponents": exponent_statistics(self.prompts.beta.tolist()).to_dict(),
            "critical_exponents_usable": exponent_statistics(self.usable_betas.tolist()).to_dict(),
            "lc_median": finite_median(self.prompts.lc),
            "lc_over_L": self.lc_ratio,
            "lc_sigma_median": lc_sigma,
            "lc_sigma_over_L": lc_sigma / self.n_layers if lc_sigma is not None else None,
            "word_lc": self.word_lc,
            "chi_peak_layer": self.chi_peak,
            "chi_distance": self.chi_distance,
            "null": {
                f"{source}_exponents": exponent_statistics(pool.tolist()).to_dict()
                for source, pool in self.beta_pools.items()
            }
            | {"n_draws": self.n_null_draws, "n_control": self.n_control},
        }


def _empty_draws(word: WordStatistics) -> CurveStatistics:
    """No control draws for a word (e.g. one anchor per sense): [0, n_judged]."""
    n = len(word.prompts.jump)
    return CurveStatistics(
        **{name: np.zeros((0, n), dtype=bool if name == "beta_usable" else np.float64) for name in STATISTICS}
    )


def _beta_pool(parts: list[CurveStatistics]) -> np.ndarray:
    return np.concatenate([p.beta[p.beta_usable] for p in parts]) if parts else np.zeros(0)


def _null_medians(
    parts: list[CurveStatistics], amplitude: np.ndarray, n_draws: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Per null draw, the median over prompts of each of `MEDIAN_STATISTICS`, in chunks of draws."""
    rows = draw_rows([p.jump.shape[0] for p in parts], n_draws, rng)
    chunk = max(1, DRAW_CELLS // max(1, len(amplitude)))
    out = {name: np.full(n_draws, np.nan) for name in MEDIAN_STATISTICS}
    for start in range(0, n_draws, chunk):
        stop = min(n_draws, start + chunk)
        picked = [None if r is None else r[start:stop] for r in rows]
        draw = {
            name: resample_words([getattr(p, name) for p in parts], picked, stop - start)
            for name in ("amplitude", "step_share", "transition", "r2", "lc")
        }
        draw["jump_rescaled"] = draw["step_share"] * amplitude[None, :]
        for name in MEDIAN_STATISTICS:
            out[name][start:stop] = _row_medians(draw[name])
    return out


def combine(model: str, words: list[WordStatistics], variant: str, config: PhaseConfig = PhaseConfig()) -> ModelSummary:
    """A model's summary on one variant from its words' statistics, nulls included."""
    rng = np.random.default_rng([config.seed, zlib.crc32(model.encode()), zlib.crc32(variant.encode())])
    n_draws = config.n_null_draws
    prompts = _concatenate([w.prompts for w in words], 0)
    sources = [s for s in NULL_SOURCES if any(s in w.null for w in words)]
    null_medians, n_control = {}, {}
    for source in sources:
        parts = [w.null.get(source) for w in words]
        parts = [p if p is not None else _empty_draws(w) for p, w in zip(parts, words)]
        null_medians[source] = _null_medians(parts, prompts.amplitude, n_draws, rng)
        n_control[source] = {w.word: int(p.jump.shape[0]) for w, p in zip(words, parts)}
    with_chi = [w for w in words if w.mean_chi and w.word_lc is not None]
    chi_null = np.zeros(0)
    if with_chi and n_draws:
        distances = np.stack(
            [np.abs(w.first_layer + permuted_peaks(np.asarray(w.mean_chi), n_draws, rng) - w.word_lc) for w in with_chi]
        )
        chi_null = np.median(distances, axis=0)
    return ModelSummary(
        model=model,
        variant=variant,
        n_layers=words[0].n_layers if words else 0,
        first_layer=words[0].first_layer if words else config.first_fit_layer,
        n_declared=sum(w.n_declared for w in words),
        n_blind=sum(w.n_blind for w in words),
        prompts=prompts,
        prompt_words=np.concatenate([np.full(len(w.prompts.jump), k) for k, w in enumerate(words)])
        if words
        else np.zeros(0, dtype=int),
        word_lc={w.word: w.word_lc for w in words},
        chi_peak={w.word: w.chi_peak for w in words},
        chi_distance={w.word: w.chi_distance for w in words},
        null_medians=null_medians,
        n_control=n_control,
        beta_pools={source: _beta_pool([w.null[source] for w in words if source in w.null]) for source in sources},
        chi_null=chi_null,
        n_null_draws=n_draws,
    )


def summarise(
    model: str, analyses: list[WordAnalysis], variant: str, primary: bool, config: PhaseConfig = PhaseConfig()
) -> ModelSummary:
    """Collect one model's per-prompt statistics for one variant (nulls only for the primary)."""
    return combine(model, [word_statistics(a, variant, primary) for a in analyses], variant, config)


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
            rows.append(
                {
                    "word": analysis.word.word,
                    "label": prompt.label,
                    "sense": prompt.sense,
                    "strength": prompt.strength,
                    "sigma_last": float(sigma[i, -1]),
                    "expected_sign": expected,
                    "match": bool(np.sign(sigma[i, -1]) == expected),
                    "blind": analysis.blind[i],
                }
            )
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
