"""The WordNet-scale verdict: claim rows decided by the one rule, and spec 001's three outcomes.

Pre-registered in docs/findings/phase-preregistration.md. The primary variant is the gloss design,
per-layer directions, standardised correction, sighted items, word curves. Per model:

    separate      finding  share of words whose curve beats both of its own nulls at alpha 0.05;
                           nulls: that share under the null (binomial at 0.05), and the share of
                           words that beat them the wrong way (a sign test); Wilson interval
    abrupt        finding  share of words whose curve rises more than 0.5 of its range within its
                           half-rise +- 1 layer; null: smooth rises with each word's own noise
    landau_fit    finding  median R^2 of the selected fit > 0.9 (spec); null: word curves read on
                           other words' gloss contrasts
    beta_differs  finding  beta's std/mean over words; null: one shared beta (parametric bootstrap);
                           holding rejects universality
    beta_cv       check    beta's std/mean < 0.3 (spec)
    chi_peak      finding  median |chi peak - l_c| < 2 layers (spec); null: chi's layers permuted
    lc_classes    finding  l_c/L differs between lexicographer classes; null: labels permuted over words
And across models, `lc_spread` (finding): max - min of the models' median l_c/L < 0.1 (spec); null:
the same spread of other-contrast word curves. The leave-one-out design's rows are exploratory.

Outcome per model (spec 001 "結果の解釈"):
    1 all criteria clear    separate, abrupt, landau_fit, chi_peak and lc_spread hold, beta_cv holds
                            and beta_differs does not: a Landau-type transition
    2 a jump, not Landau    separate and abrupt hold, some other criterion does not
    3 no jump               separate or abrupt does not hold: sense is settled by a distributed
                            process (a crossover), or not separated at all
"""

from dataclasses import dataclass, replace

import numpy as np

from semphys.evidence import Claim, Null, bootstrap_interval, decide, wilson_interval
from semphys.phase.scale.pooled import PooledStatistics

OUTCOMES: dict[int, str] = {
    1: "all criteria clear: a Landau-type phase transition",
    2: "a jump, but not Landau: a transition that Landau theory does not describe",
    3: "no jump: sense is settled by a distributed process (a crossover), not a transition",
}


def _finite_median(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if len(finite) else None


def model_claims(
    model: str, pooled: PooledStatistics, n_bootstrap: int, rng: np.random.Generator, primary: bool = True
) -> list[Claim]:
    """The claim rows of one model and design (exploratory when not `primary`)."""
    finding = "finding" if primary else "exploratory"
    rows: list[Claim] = []
    own = pooled.beats_own_nulls()
    if own is not None:
        rows.append(
            Claim(
                "the senses separate: share of words whose curve beats its own nulls",
                finding,
                own["share"],
                interval=tuple(own["wilson"]),
                interval_method="Wilson over words",
                nulls=(
                    Null.exact(
                        f"binomial at the per-word alpha {own['alpha']}",
                        own["p"],
                        float(own["alpha"] ** own["n"]),
                        n=own["n"],
                        p50=own["alpha"],
                    ),
                    Null.exact(
                        "as many words beating their nulls the wrong way (sign test)",
                        own["sign_p"],
                        float(0.5 ** max(own["k"] + own["k_wrong_way"], 1)),
                        n=own["k"] + own["k_wrong_way"],
                        p50=own["share_wrong_way"],
                    ),
                ),
                model=model,
                key="separate",
                detail=f"{own['k']} of {own['n']} words ({own['k_wrong_way']} the wrong way); "
                f"{own['draws_per_word']} draws per null",
            )
        )
    n = pooled.n_words
    if n:
        share = float(pooled.abrupt.mean())
        nulls = (
            (Null.from_draws("smooth rise", pooled.abrupt_null, share, "higher", n=n),)
            if pooled.abrupt_null is not None
            else ()
        )
        rows.append(
            Claim(
                "abrupt: share of words rising > 0.5 of their range within l_c +- 1",
                finding if nulls else "exploratory",
                share,
                interval=wilson_interval(int(pooled.abrupt.sum()), n),
                interval_method="Wilson over words",
                nulls=nulls,
                model=model,
                key="abrupt",
            )
        )
        r2 = pooled.words.r2
        value = _finite_median(r2)
        nulls = (
            (Null.from_draws("other words' gloss contrasts", pooled.r2_null, value, "higher", n=n),)
            if pooled.r2_null is not None
            else ()
        )
        finite = r2[np.isfinite(r2)]
        rows.append(
            Claim(
                "a Landau form fits: median R^2 of the selected fit",
                finding if nulls else "exploratory",
                value,
                threshold=0.9,
                threshold_source="spec",
                nulls=nulls,
                model=model,
                key="landau_fit",
                interval=bootstrap_interval(finite, n_bootstrap, rng, statistic=np.median) if len(finite) else None,
                interval_method="bootstrap over words",
            )
        )
    spread = pooled.beta_spread
    if spread is not None and spread.value is not None:
        rows.append(
            Claim(
                "beta differs between words: std/mean above one shared beta",
                finding,
                spread.value,
                interval=spread.interval,
                interval_method="bootstrap over words",
                nulls=(
                    Null.from_draws(
                        "one shared beta (parametric bootstrap)", spread.null, spread.value, "higher", n=spread.n_words
                    ),
                ),
                model=model,
                key="beta_differs",
                detail=f"shared beta {spread.shared_beta:.3g}; {spread.n_words} interior fits",
            )
        )
        rows.append(
            Claim(
                "universal exponent: beta std/mean",
                "check" if primary else "exploratory",
                spread.value,
                better="lower",
                threshold=0.3,
                threshold_source="spec",
                interval=spread.interval,
                interval_method="bootstrap over words",
                model=model,
                key="beta_cv",
            )
        )
    chi = pooled.chi
    if chi is not None and chi.value is not None:
        rows.append(
            Claim(
                "chi peaks at l_c: median |chi peak - l_c| (layers)",
                finding,
                chi.value,
                better="lower",
                threshold=2.0,
                threshold_source="spec",
                interval=chi.interval,
                interval_method="bootstrap over words",
                nulls=(Null.from_draws("chi layers permuted", chi.null, chi.value, "lower", n=chi.n_words),),
                model=model,
                key="chi_peak",
                detail=f"references: hint-free {chi.references['hint_free']}, wrong sense {chi.references['wrong_sense']}",
            )
        )
    classes = pooled.classes
    if classes is not None and classes.value is not None:
        rows.append(
            Claim(
                "l_c/L differs between lexicographer classes",
                finding,
                classes.value,
                interval=classes.interval,
                interval_method="bootstrap over words",
                nulls=(Null.from_draws("class labels permuted over words", classes.null, classes.value, "higher"),),
                model=model,
                key="lc_classes",
                detail=f"{len(classes.classes)} classes",
            )
        )
    return rows


def spread_claim(pooled: dict[str, PooledStatistics], n_bootstrap: int, rng: np.random.Generator) -> Claim | None:
    """`lc_spread`: max - min over models of the median l_c/L (exp. 3)."""
    medians = {m: _finite_median(p.lc_over_l) for m, p in pooled.items()}
    if len(medians) < 2 or any(v is None for v in medians.values()):
        return None
    values = [v for v in medians.values() if v is not None]
    value = float(max(values) - min(values))
    boot = []
    for _ in range(n_bootstrap):
        picks = []
        for p in pooled.values():
            finite = p.lc_over_l[np.isfinite(p.lc_over_l)]
            picks.append(float(np.median(finite[rng.integers(len(finite), size=len(finite))])))
        boot.append(max(picks) - min(picks))
    low, high = np.percentile(boot, [2.5, 97.5])
    nulls: tuple[Null, ...] = ()
    if all(p.lc_null is not None for p in pooled.values()):
        stacked = np.stack([p.lc_null for p in pooled.values() if p.lc_null is not None])
        nulls = (
            Null.from_draws("other words' gloss contrasts", stacked.max(axis=0) - stacked.min(axis=0), value, "lower"),
        )
    return Claim(
        "universal l_c/L: spread across models",
        "finding" if nulls else "exploratory",
        value,
        better="lower",
        threshold=0.1,
        threshold_source="spec",
        interval=(float(low), float(high)),
        interval_method="bootstrap over words, each model apart",
        nulls=nulls,
        model="all models",
        key="lc_spread",
        detail=", ".join(f"{m} {v:.3f}" for m, v in medians.items() if v is not None),
    )


def verdict(
    primary: dict[str, PooledStatistics], secondary: dict[str, PooledStatistics], n_bootstrap: int, seed: int = 0
) -> list[Claim]:
    """Every claim of the document, decided together (Holm over the findings of both models)."""
    rng = np.random.default_rng(seed)
    rows: list[Claim] = []
    for model, pooled in primary.items():
        rows += model_claims(model, pooled, n_bootstrap, rng)
    spread = spread_claim(primary, n_bootstrap, rng)
    if spread is not None:
        rows.append(spread)
    for model, pooled in secondary.items():
        rows += [_exploratory(c, pooled.design) for c in model_claims(model, pooled, n_bootstrap, rng, primary=False)]
    return decide(rows)


def _exploratory(claim: Claim, design: str) -> Claim:
    return replace(
        claim,
        kind="exploratory",
        claim=f"{design} design: {claim.claim}",
        key=f"{design}:{claim.key}" if claim.key else None,
    )


@dataclass(frozen=True)
class Answer:
    """The headline answer of one model in spec 001's three outcomes."""

    model: str
    outcome: int
    criteria: dict[str, bool | None]
    """key -> whether its row holds (None: n/a or absent)"""
    lc_over_L: float | None
    mean_half_rise_over_L: float | None
    beta_median: float | None
    universal_beta: bool
    chi_at_lc: bool

    @property
    def transition(self) -> bool:
        return self.outcome in (1, 2)

    def sentence(self) -> str:
        kind = "transition" if self.transition else "crossover" if self.criteria.get("separate") else "no separation"
        where = f"l_c/L median {self.lc_over_L:.2f}" if self.lc_over_L is not None else "l_c/L n/a"
        half = (
            f", mean curve half-rise at {self.mean_half_rise_over_L:.2f} L"
            if self.mean_half_rise_over_L is not None
            else ""
        )
        return (
            f"{self.model}: outcome {self.outcome} ({OUTCOMES[self.outcome]}); {kind}, {where}{half}; "
            f"universal beta: {'yes' if self.universal_beta else 'no'}; chi peaks at l_c: "
            f"{'yes' if self.chi_at_lc else 'no'}"
        )

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "outcome": self.outcome,
            "outcome_text": OUTCOMES[self.outcome],
            "transition": self.transition,
            "criteria": self.criteria,
            "lc_over_L": self.lc_over_L,
            "mean_curve_half_rise_over_L": self.mean_half_rise_over_L,
            "beta_median": self.beta_median,
            "universal_beta": self.universal_beta,
            "chi_peaks_at_lc": self.chi_at_lc,
            "sentence": self.sentence(),
        }


def answer(model: str, claims: list[Claim], pooled: PooledStatistics) -> Answer:
    """The outcome of one model from its decided rows (see the module docstring)."""
    held = {c.key: c.holds for c in claims if c.model == model and c.kind != "exploratory"}
    spread = next((c.holds for c in claims if c.key == "lc_spread"), None)
    criteria = {
        key: held.get(key)
        for key in ("separate", "abrupt", "landau_fit", "beta_differs", "beta_cv", "chi_peak", "lc_classes")
    } | {"lc_spread": spread}
    universal = criteria["beta_cv"] is True and criteria["beta_differs"] is not True
    jump = criteria["separate"] is True and criteria["abrupt"] is True
    clear = (
        jump
        and criteria["landau_fit"] is True
        and universal
        and criteria["chi_peak"] is True
        and criteria["lc_spread"] is True
    )
    beta = pooled.beta_summary()
    return Answer(
        model,
        1 if clear else 2 if jump else 3,
        criteria,
        _finite_median(pooled.lc_over_l),
        pooled.mean_half_rise,
        beta.get("median"),
        universal,
        criteria["chi_peak"] is True,
    )
