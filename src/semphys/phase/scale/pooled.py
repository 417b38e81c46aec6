"""Pooled statistics of one model's word curves (spec 001 exp. 2 and 3 over every usable word).

Per word, its word curve (the mean signed curve of its sighted judged items, `curves.WordCurves`) is
fitted with the three forms on the fitted layers (`phase.curve_statistics`: vectorised grid fits,
AICc selection, the half-rise l_c of the selected form, beta of the second-order fit). Every judged
item's own curve is fitted the same way (`items`). Pooled over words (each word counts once;
every interval resamples words, never items):

    lc_over_L                    l_c / L of the word curves: median, quartiles, histogram
    mean_curve_half_rise_over_L  the fit-free half-rise of the mean word curve, / L
    beta                         over words whose selected form is second order with beta and onset
                                 inside the bounds; the share of such words
    abruptness                   the share of words whose curve rises by more than `transition` of
                                 its range within its fit-free half-rise +- 1 layer; null: smooth
                                 rises with each word's own noise (`phase.nulls.smooth_rise_curves`)
    r2                           the median R^2 of the selected fit; null: word curves read on other
                                 words' gloss contrasts (`n_fit_null` per word, one per word per draw)
    beats_own_nulls              the share of words whose statistic T beats both of its own nulls at
                                 `alpha_word` (`curves.own_null_statistics`), with its Wilson interval;
                                 beside it the share that beats them the wrong way (toward the other
                                 sense): with no sense signal the two are equal (a sign test)
    beta_spread, classes         `universality`
    chi, critical_line           `hints`, `contexts` (computed by the caller, pooled here)
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import stats as scipy_stats

from semphys.evidence import Null, bootstrap_interval, wilson_interval
from semphys.phase.fits import KINDS, PARAMS, grid_fit
from semphys.phase.scale.contexts import CriticalLine
from semphys.phase.scale.curves import WordCurves, statistic
from semphys.phase.scale.hints import ChiSummary
from semphys.phase.scale.settings import ScaleSettings
from semphys.phase.scale.universality import BetaSpread, ClassTest, beta_spread, class_test
from semphys.phase.transition import sigma_half_rise, transition_share
from semphys.phase.verdict.curve_statistics import CurveStatistics, curve_statistics
from semphys.phase.verdict.nulls import smooth_rise_curves

NULL_BLOCK = 100
"""Smooth-rise null draws simulated at once."""


def _quantiles(values: np.ndarray) -> dict:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"n": 0, "median": None, "q25": None, "q75": None}
    q25, median, q75 = (float(v) for v in np.percentile(finite, [25, 50, 75]))
    return {"n": int(len(finite)), "median": median, "q25": q25, "q75": q75}


def fit_free_abrupt(curves: np.ndarray, layers: np.ndarray, threshold: float) -> np.ndarray:
    """Whether each curve [..., P] rises by more than `threshold` of its range within its fit-free half-rise +- 1."""
    x = np.asarray(layers, dtype=np.float64)
    share = transition_share(curves, x, sigma_half_rise(curves, x))
    return np.nan_to_num(share, nan=0.0) > threshold


@dataclass
class PooledStatistics:
    """Everything pooled over one model's words under one design."""

    design: str
    n_layers: int
    fit_layers: np.ndarray
    keys: list[str]
    lexnames: list[str]
    n_items: int
    n_blind_items: int
    words: CurveStatistics
    """Fits of the word curves, [n_words] each."""
    items: CurveStatistics
    """Fits of every sighted judged item's curve, [n_items] each."""
    item_words: np.ndarray
    """[n_items] word index of each item."""
    lc_over_l: np.ndarray
    mean_half_rise: float | None
    mean_half_rise_interval: tuple[float, float] | None
    abrupt: np.ndarray
    """[n_words] bool"""
    abrupt_null: np.ndarray | None
    """[n_null_draws] the abrupt share of smooth-rise curves"""
    r2_null: np.ndarray | None
    """[n_null_draws] the median R^2 of other-contrast word curves"""
    lc_null: np.ndarray | None
    """[n_null_draws] the median l_c/L of other-contrast word curves"""
    own_p: np.ndarray | None
    """[n_words] each word's p against its own nulls (the larger of the two); None for a design without them"""
    own_draws: int
    own_p_lower: np.ndarray | None
    """[n_words] the same p in the wrong direction (the word's items lean to the other sense)"""
    beta_spread: BetaSpread | None
    classes: ClassTest | None
    chi: ChiSummary | None = None
    critical_line: CriticalLine | None = None
    alpha_word: float = 0.05
    extras: dict = field(default_factory=dict)

    @property
    def n_words(self) -> int:
        return len(self.keys)

    def beats_own_nulls(self) -> dict | None:
        """{share, wilson, alpha, k, n, p}: p is the binomial p of k successes at rate alpha (the share under the null)."""
        if self.own_p is None or not len(self.own_p):
            return None
        k, n = int((self.own_p <= self.alpha_word).sum()), len(self.own_p)
        wrong = int((self.own_p_lower <= self.alpha_word).sum()) if self.own_p_lower is not None else 0
        p = float(scipy_stats.binomtest(k, n, self.alpha_word, alternative="greater").pvalue)
        sign_p = float(scipy_stats.binomtest(k, k + wrong, 0.5, alternative="greater").pvalue) if k + wrong else 1.0
        return {
            "share": k / n,
            "wilson": list(wilson_interval(k, n)),
            "alpha": self.alpha_word,
            "k": k,
            "n": n,
            "p": p,
            "k_wrong_way": wrong,
            "share_wrong_way": wrong / n,
            "sign_p": sign_p,
            "draws_per_word": self.own_draws,
        }

    def beta_summary(self) -> dict:
        usable = self.words.beta_usable & np.isfinite(self.words.beta)
        values = self.words.beta[usable]
        out = {"n_usable": int(usable.sum()), "share_usable": float(usable.mean()) if len(usable) else None}
        if len(values):
            out |= {
                "median": float(np.median(values)),
                "mean": float(values.mean()),
                "std": float(values.std()),
                "cv": float(values.std() / abs(values.mean())) if values.mean() != 0 else None,
            }
        return out

    def to_dict(self) -> dict:
        L = self.n_layers
        lc = self.lc_over_l
        finite = lc[np.isfinite(lc)]
        counts, edges = np.histogram(finite, bins=10, range=(0.0, 1.0))
        abrupt_summary = (
            Null.from_draws("smooth rise", self.abrupt_null, float(self.abrupt.mean()), "higher")
            if self.abrupt_null is not None and len(self.abrupt)
            else None
        )
        r2 = self.words.r2[np.isfinite(self.words.r2)]
        r2_summary = (
            Null.from_draws("other words' gloss contrasts", self.r2_null, float(np.median(r2)), "higher")
            if self.r2_null is not None and len(r2)
            else None
        )
        k = int(self.abrupt.sum())
        return {
            "design": self.design,
            "n_words": self.n_words,
            "n_items": self.n_items,
            "n_blind_items": self.n_blind_items,
            "lc_over_L": _quantiles(lc)
            | {
                "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
                "interval": self.extras.get("lc_interval"),
            },
            "mean_curve_half_rise_over_L": {
                "value": self.mean_half_rise,
                "interval": list(self.mean_half_rise_interval) if self.mean_half_rise_interval else None,
            },
            "beta": self.beta_summary(),
            "abruptness": {
                "share": k / self.n_words if self.n_words else None,
                "wilson": list(wilson_interval(k, self.n_words)) if self.n_words else None,
                "null_median": abrupt_summary.p50 if abrupt_summary else None,
                "null_p": abrupt_summary.p if abrupt_summary else None,
            },
            "selected_forms": {kind: int(v) for kind, v in self.extras.get("forms", {}).items()},
            "r2": {
                "median": float(np.median(r2)) if len(r2) else None,
                "null_median": r2_summary.p50 if r2_summary else None,
                "null_p": r2_summary.p if r2_summary else None,
            },
            "beats_own_nulls": self.beats_own_nulls(),
            "beta_spread": self.beta_spread.to_dict() if self.beta_spread else None,
            "classes": self.classes.to_dict() if self.classes else None,
            "chi": self.chi.to_dict() if self.chi else None,
            "critical_line": self.critical_line.to_dict() if self.critical_line else None,
            "mean_word_curve": {"layers": self.fit_layers.tolist(), "sigma": self.extras.get("mean_curve")},
            "items": {
                "lc_over_L": _quantiles(self.items.lc / L),
                "r2_median": float(np.nanmedian(self.items.r2)) if len(self.items.r2) else None,
            },
        }


def selected_forms(curves: np.ndarray, layers: np.ndarray, settings: ScaleSettings) -> dict[str, int]:
    """How often AICc selects each form among curves [n, P] (ties to the simpler form, as `fits.select`)."""
    if not len(curves):
        return {}
    scores = np.stack(
        [grid_fit(layers, curves, kind, settings.bounds).aicc + 1e-9 * len(PARAMS[kind]) for kind in KINDS]
    )
    winners = scores.argmin(axis=0)
    return {kind: int((winners == i).sum()) for i, kind in enumerate(KINDS)}


def pool(
    words: list[WordCurves],
    n_layers: int,
    design: str,
    settings: ScaleSettings,
    rng: np.random.Generator,
    with_nulls: bool = True,
) -> PooledStatistics:
    """The pooled statistics of `words` (those with at least one sighted judged item)."""
    n_blind = int(sum(len(w.blind) for w in words))
    words = [w for w in words if len(w.curves)]
    fit = np.arange(settings.first_fit_layer, n_layers + 1)
    x = fit.astype(np.float64)
    curves = np.array([w.word_curve[fit] for w in words]).reshape(len(words), len(fit))
    word_stats = curve_statistics(x, curves, settings.bounds)
    items = np.concatenate([w.curves[:, fit] for w in words]) if words else np.zeros((0, len(fit)))
    item_words = np.concatenate([np.full(len(w.curves), i) for i, w in enumerate(words)]) if words else np.zeros(0, int)
    item_stats = curve_statistics(x, items, settings.bounds)
    lc_over_l = word_stats.lc / n_layers
    extras: dict = {"forms": selected_forms(curves, x, settings)}
    mean_half = mean_interval = None
    if words:
        extras["mean_curve"] = curves.mean(axis=0).tolist()
        mean_half = float(sigma_half_rise(curves.mean(axis=0), x)) / n_layers
        boot = (
            np.array(
                [
                    sigma_half_rise(curves[rng.integers(len(words), size=len(words))].mean(axis=0), x)
                    for _ in range(settings.n_bootstrap)
                ]
            )
            / n_layers
        )
        low, high = np.nanpercentile(boot, [2.5, 97.5])
        mean_interval = (float(low), float(high))
        finite = lc_over_l[np.isfinite(lc_over_l)]
        if len(finite):
            extras["lc_interval"] = list(bootstrap_interval(finite, settings.n_bootstrap, rng, statistic=np.median))
    abrupt = fit_free_abrupt(curves, x, settings.transition)
    abrupt_null = r2_null = lc_null = own_p = own_p_lower = None
    own_draws = 0
    spread = classes = None
    if with_nulls and words:
        abrupt_null = np.concatenate(
            [  # in blocks of draws: [draws, words, layers] of every draw at once is GBs
                fit_free_abrupt(
                    smooth_rise_curves(x, curves, min(NULL_BLOCK, settings.n_null_draws - start), rng),
                    x,
                    settings.transition,
                ).mean(axis=1)
                for start in range(0, settings.n_null_draws, NULL_BLOCK)
            ]
        )
        null_curves = [w.null_curves[:, fit] for w in words if w.null_curves is not None and len(w.null_curves)]
        if len(null_curves) == len(words):
            sizes = [len(c) for c in null_curves]
            null_stats = curve_statistics(x, np.concatenate(null_curves), settings.bounds)
            offsets = np.cumsum([0] + sizes[:-1])
            picks = np.stack([o + rng.integers(s, size=settings.n_null_draws) for o, s in zip(offsets, sizes)], axis=1)
            r2_null = np.nanmedian(null_stats.r2[picks], axis=1)
            lc_null = np.nanmedian(null_stats.lc[picks], axis=1) / n_layers
        if all(w.null_statistic for w in words):
            observed = np.array([statistic(w.word_curve, fit) for w in words])
            own_p, own_p_lower = (
                np.array(
                    [
                        max(
                            Null.from_draws(name, draws, t, better).p or 1.0 for name, draws in w.null_statistic.items()
                        )
                        for w, t in zip(words, observed)
                    ]
                )
                for better in ("higher", "lower")
            )
            own_draws = min(len(d) for w in words for d in w.null_statistic.values())
        spread = beta_spread(x, curves, settings.bounds, settings.n_beta_null, settings.n_bootstrap, rng)
        classes = class_test(
            lc_over_l,
            [w.lexname for w in words],
            settings.n_class_permutations,
            settings.n_bootstrap,
            rng,
            settings.min_class_words,
        )
    return PooledStatistics(
        design=design,
        n_layers=n_layers,
        fit_layers=fit,
        keys=[w.key for w in words],
        lexnames=[w.lexname for w in words],
        n_items=int(sum(len(w.curves) for w in words)),
        n_blind_items=n_blind,
        words=word_stats,
        items=item_stats,
        item_words=item_words,
        lc_over_l=lc_over_l,
        mean_half_rise=mean_half,
        mean_half_rise_interval=mean_interval,
        abrupt=abrupt,
        abrupt_null=abrupt_null,
        r2_null=r2_null,
        lc_null=lc_null,
        own_p=own_p,
        own_draws=own_draws,
        own_p_lower=own_p_lower,
        beta_spread=spread,
        classes=classes,
        alpha_word=settings.alpha_word,
        extras=extras,
    )
