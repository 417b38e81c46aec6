"""The success criteria of spec 001 ("解析と判定基準") as `evidence.Claim`s, each with its nulls and interval.

Per model, on one sigma variant, over the judged prompts (a declared sense, and not blind: a causal
model's target that sees only the neutral prompt's context cannot decide; `WordAnalysis.judged`),
on the fitted layers (`PhaseConfig.first_fit_layer`), with the per-prompt statistics of
`curve_statistics`:

    amplitude   median over prompts of max - min of sigma                 (no threshold)     nulls: S
                "the senses separate": the only thing the label-shuffled null tests (a shuffled
                split keeps about 1/5 of the true contrast, so its curves are smaller by design)
    jump        median over prompts of max_l |sigma(l+1) - sigma(l)|      > 0.1   spec       nulls: S M
                judged scale-free: each null curve is rescaled to its real curve's range, so the
                null asks whether the largest step takes a larger share of the rise, not whether
                the curve is larger. Not against random directions: at their own scale
                (|e_a - e_b| about sqrt(2)) every step is inflated, and rescaled, a noise curve's
                largest step is most of its range, which no transition can exceed
    transition  median over prompts of |sigma(l_c+1) - sigma(l_c-1)| / range  > 0.5  semphys  nulls: S R M
    r2          median over prompts of the selected fit's R^2             > 0.9   spec       nulls: S R M
    beta_cv     std / mean of the usable second-order betas               < 0.3   spec       nulls: S R
                (selected form second order, beta and l_c interior; n/a with fewer than 3)
    chi_peak    median over words of |peak layer of mean chi - word's l_c| < 2   spec       null: layers permuted
Across models:
    lc_spread   max - min of median l_c / L (half-rise l_c)               < 0.1   spec       null: R
                (not S: a balanced split of 5 + 5 anchors keeps 1/5 of the true contrast, so its
                curves rise where the real ones do, and their spread is the real spread by design)

Nulls: S label-shuffled anchors, R random directions, M the smooth-rise null (each real curve's best
linear ramp or wide tanh plus its resampled residuals, `nulls.smooth_rise_curves`): an abruptness
or fit claim a smooth rise earns as well says nothing about a transition. The random-direction
null is not used for the amplitude (its |e_A - e_B| is about sqrt(2), larger than any real contrast)
nor for the jump (see its row).
Intervals: 95% percentile over a two-stage bootstrap (words, then prompts within words; betas
likewise; words for the chi peak). `verdict` returns the claims undecided: one `evidence.decide`
call per results document (both models and the W_QK projection together) decides them.

Deviations from the spec's table: the amplitude and transition rows and the nulls are added; l_c is
the half-rise layer for every form; layer 0 is left out (`PhaseConfig.first_fit_layer`).
"""

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from semphys.evidence import Claim, Null, draws_interval, permutation_p
from semphys.evidence.claim import Kind, ThresholdSource
from semphys.evidence.stats import nested_bootstrap
from semphys.phase.config import Thresholds
from semphys.phase.exponents import Universality
from semphys.phase.verdict.nulls import coefficient_of_variation, nan_coefficient_of_variation, pool_draws
from semphys.phase.verdict.summary import ModelSummary, finite_median

MIN_USABLE_BETAS = 3
"""beta std/mean is judged only over at least this many usable betas."""
NULL_NAMES = {
    "label_shuffle": "shuffled anchors",
    "random_directions": "random directions",
    "smooth_rise": "smooth rise",
    "layer_permutation": "chi layers permuted",
}
"""How the claim table names each null."""
ROW_NULLS: dict[str, tuple[str, ...]] = {
    "amplitude": ("label_shuffle",),
    "jump": ("label_shuffle", "smooth_rise"),
    "transition": ("label_shuffle", "random_directions", "smooth_rise"),
    "r2": ("label_shuffle", "random_directions", "smooth_rise"),
    "beta_cv": ("label_shuffle", "random_directions"),
    "lc_spread": ("random_directions",),
}
"""The nulls each row must beat (module docstring)."""


@dataclass(frozen=True)
class RowSpec:
    """What one prompt row claims and how it is measured."""

    key: str
    claim: str
    statistic: str
    """The per-prompt statistic whose median is the value."""
    null_statistic: str
    """The per-draw median in `ModelSummary.null_medians` it is compared with."""
    threshold: float | None
    threshold_source: ThresholdSource | None
    detail: str


def _prompt_specs(thresholds: Thresholds) -> list[RowSpec]:
    return [
        RowSpec(
            "amplitude",
            "the senses separate: sigma's range",
            "amplitude",
            "amplitude",
            None,
            None,
            "median of max - min of sigma; null: label-shuffled anchors only (their split keeps part of the "
            "contrast, so this row is all that null tests)",
        ),
        RowSpec(
            "jump",
            "abrupt: largest one-layer step of sigma",
            "jump",
            "jump_rescaled",
            thresholds.jump,
            "spec",
            "median of max_l |sigma(l+1) - sigma(l)|; each null curve rescaled to its real curve's range, so "
            "the nulls test the share of the rise in one step, not the size",
        ),
        RowSpec(
            "transition",
            "abrupt: share of the rise within l_c +- 1",
            "transition",
            "transition",
            thresholds.transition,
            "semphys",
            "median of |sigma(l_c + 1) - sigma(l_c - 1)| / (max - min of sigma), l_c the half-rise layer of the "
            "selected fit",
        ),
        RowSpec(
            "r2",
            "a Landau form fits: R^2 of the selected fit",
            "r2",
            "r2",
            thresholds.r2,
            "spec",
            "median of the R^2 of the fit chosen by information criterion; the smooth-rise null asks whether a "
            "smooth ramp fits as well",
        ),
    ]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.3g}"


def _interval(draws: np.ndarray, method: str) -> dict[str, Any]:
    finite = np.asarray(draws, dtype=np.float64)
    return draws_interval(finite, method) if np.isfinite(finite).any() else {"interval": None, "interval_method": None}


NESTED = "95% percentile, bootstrap over words then prompts within words"


def _prompt_claim(
    summary: ModelSummary, spec: RowSpec, kind: Kind, over: str, n_boot: int, rng: np.random.Generator
) -> Claim:
    values = getattr(summary.prompts, spec.statistic)
    value, n = finite_median(values), int(np.isfinite(values).sum())
    nulls = tuple(
        Null.from_draws(NULL_NAMES[source], summary.null_medians[source][spec.null_statistic], value, "higher", n=n)
        for source in ROW_NULLS[spec.key]
        if source in summary.null_medians
    )
    kind = kind if nulls else "exploratory"  # nothing to beat (no null draws): reported, not decided
    return Claim(
        spec.claim,
        kind,
        value,
        "higher",
        **_interval(nested_bootstrap(values, summary.prompt_words, n_boot, rng), NESTED),
        threshold=spec.threshold,
        threshold_source=spec.threshold_source,
        nulls=nulls,
        model=summary.model,
        key=spec.key,
        detail=f"{spec.detail}; {over}",
    )


def _beta_claim(
    summary: ModelSummary, thresholds: Thresholds, kind: Kind, n_boot: int, rng: np.random.Generator
) -> Claim:
    usable_mask = summary.prompts.beta_usable
    usable = summary.prompts.beta[usable_mask]
    n = len(usable)
    value = float(coefficient_of_variation(usable)) if n >= MIN_USABLE_BETAS else None
    nulls = tuple(
        Null.from_draws(
            NULL_NAMES[source],
            coefficient_of_variation(pool_draws(pool, n, summary.n_null_draws, rng)),
            value,
            "lower",
            n=n,
        )
        for source, pool in summary.beta_pools.items()
        if n and len(pool) and source in ROW_NULLS["beta_cv"]
    )
    interval: dict = {"interval": None, "interval_method": None}
    if value is not None:
        interval = _interval(
            nested_bootstrap(usable, summary.prompt_words[usable_mask], n_boot, rng, nan_coefficient_of_variation),
            "95% percentile, bootstrap over words then usable betas within words",
        )
    detail = (
        f"second-order beta of the {n} of {len(summary.prompts.beta)} judged prompts whose selected fit is "
        f"second order with beta and l_c inside the bounds (mean {_fmt(usable.mean() if n else None)}); "
        "null: std/mean of as many betas drawn from the usable null betas ("
        + ", ".join(f"{s} {len(p)}" for s, p in summary.beta_pools.items() if s in ROW_NULLS["beta_cv"])
        + "; a null without usable betas is left out)"
    )
    if value is None:
        detail += f"; n/a: fewer than {MIN_USABLE_BETAS} usable betas"
    if kind != "exploratory" and not nulls:
        kind = "exploratory"  # nothing to beat: reported, not decided
        detail += "; no usable null betas: not decided"
    return Claim(
        "universal exponent: beta std/mean",
        kind,
        value,
        "lower",
        **interval,
        threshold=thresholds.beta_cv,
        threshold_source="spec",
        nulls=nulls,
        model=summary.model,
        key="beta_cv",
        detail=detail,
    )


def _chi_claim(
    summary: ModelSummary, thresholds: Thresholds, kind: Kind, n_boot: int, rng: np.random.Generator
) -> Claim:
    words = [w for w, d in summary.chi_distance.items() if d is not None]
    distances = np.array([summary.chi_distance[w] for w in words], dtype=np.float64)
    value = finite_median(distances) if len(words) else None
    nulls = (
        (Null.from_draws(NULL_NAMES["layer_permutation"], summary.chi_null, value, "lower", n=len(words)),)
        if len(words) and len(summary.chi_null)
        else ()
    )
    interval: dict[str, Any] = (
        _interval(
            nested_bootstrap(distances, np.arange(len(words)), n_boot, rng), "95% percentile, bootstrap over words"
        )
        if len(words)
        else {}
    )
    detail = (
        "median over words: "
        + ", ".join(f"{w} peak {summary.chi_peak[w]} vs l_c {_fmt(summary.word_lc[w])}" for w in words)
        + "; null: each word's mean chi with its layers permuted"
        if words
        else "no word has hints"
    )
    if nulls:  # with few words and layers even a perfect peak cannot beat this null: say how far it can go
        best = permutation_p(0.0, summary.chi_null, "lower")
        detail += f"; even a distance of 0 would have p {best:.2g} against it with these words and layers"
    if kind != "exploratory" and not nulls:
        kind = "exploratory"
    return Claim(
        "chi peaks at l_c: |chi peak - l_c| (layers)",
        kind,
        value,
        "lower",
        **interval,
        threshold=thresholds.chi_distance,
        threshold_source="spec",
        nulls=nulls,
        model=summary.model,
        key="chi_peak",
        detail=detail,
    )


def _spread_claim(
    summaries: list[ModelSummary],
    universal: Universality,
    thresholds: Thresholds,
    kind: Kind,
    n_boot: int,
    rng: np.random.Generator,
) -> Claim:
    ratios = ", ".join(f"{m} {_fmt(v)}" for m, v in universal.ratios.items())
    counted = [s for s in summaries if s.lc_ratio is not None]
    nulls: tuple[Null, ...] = ()
    interval: dict[str, Any] = {}
    if len(counted) >= 2:
        sources = [src for src in ROW_NULLS["lc_spread"] if all(src in s.null_medians for s in counted)]
        nulls = tuple(
            Null.from_draws(
                NULL_NAMES[src],
                np.ptp(np.stack([s.null_lc_ratio(src) for s in counted]), axis=0),
                universal.spread,
                "lower",
                n=len(counted),
            )
            for src in sources
        )
        boot = np.stack([nested_bootstrap(s.prompts.lc, s.prompt_words, n_boot, rng) / s.n_layers for s in counted])
        interval = _interval(np.ptp(boot, axis=0), NESTED + ", per model")
    detail = f"max - min of median half-rise l_c/L ({ratios}); null: the same from each model's null draws"
    if universal.spread is None:
        detail += "; needs two or more models"
    if kind != "exploratory" and not nulls:
        kind = "exploratory"
    return Claim(
        "universal l_c/L: spread across models",
        kind,
        universal.spread,
        "lower",
        **interval,
        threshold=thresholds.lc_spread,
        threshold_source="spec",
        nulls=nulls,
        model="all models",
        key="lc_spread",
        detail=detail,
    )


def verdict(
    summaries: list[ModelSummary],
    universal: Universality,
    thresholds: Thresholds,
    seed: int = 0,
    primary: bool = True,
    n_interval_draws: int = 2000,
) -> list[Claim]:
    """The claims, undecided: six per model, then the spread across models (module docstring).

    primary: False for a variant that was not declared primary: its rows are `exploratory` (reported,
    never decided). A row with nothing to beat (no null) is exploratory too. Decide the claims of a
    whole results document at once with `evidence.decide`.
    """
    kind: Kind = "finding" if primary else "exploratory"
    rows = []
    for s in summaries:
        rng = np.random.default_rng([seed, zlib.crc32(s.model.encode()), zlib.crc32(s.variant.encode())])
        over = (
            f"over {len(s.prompts.jump)} judged prompts ({s.n_blind} of {s.n_declared} declared-sense prompts "
            f"left out as blind), layers {s.first_layer} to {s.n_layers}"
        )
        for spec in _prompt_specs(thresholds):
            rows.append(_prompt_claim(s, spec, kind, over, n_interval_draws, rng))
        rows += [
            _beta_claim(s, thresholds, kind, n_interval_draws, rng),
            _chi_claim(s, thresholds, kind, n_interval_draws, rng),
        ]
    rng = np.random.default_rng([seed, zlib.crc32(b"lc_spread")])
    rows.append(_spread_claim(summaries, universal, thresholds, kind, n_interval_draws, rng))
    return rows


def headline(claims: list[Claim]) -> list[str]:
    """One sentence per model (and one for the rows across models): does every finding hold?"""
    sentences = []
    findings = [c for c in claims if c.kind == "finding" and c.key in ROW_KEYS]
    for model in dict.fromkeys(c.model for c in findings):
        own = [c for c in findings if c.model == model]
        held = sum(c.holds is True for c in own)
        answer = "yes" if all(c.holds for c in own) else "no"
        subject = "evidence for a Landau-type transition" if model != "all models" else "evidence for universality"
        sentences.append(
            f"{model}: {subject}: {answer} ({held} of {len(own)} findings hold after Holm's adjustment "
            "over the document)"
        )
    return sentences


ROW_KEYS: tuple[str, ...] = ("amplitude", "jump", "transition", "r2", "beta_cv", "chi_peak", "lc_spread")
"""The keys of the verdict's rows, in table order."""
