"""The readout's claims (`evidence.Claim`): its landmarks as rows the one rule decides.

Per model, design and metric at the pre-declared primary variant (`ReadoutConfig.primary_variant`,
per-layer/standardised) and sighted items, three findings:

    first_above_null   the sense is readable above both nulls from layer l: the first layer whose
                       max-over-layers (Westfall-Young maxT) p is <= 0.05 against each null and whose
                       interval's lower end lies above each null's median (`readout.first_above`); where
                       no layer passes, the row is built at the layer of smallest p and fails
    peak_layer         the peak layer, picked on half the words (`readout.split_words`), read out on the
                       other half above both nulls (maxT over layers on that half)
    peak_minus_output  the peak, scored on the other half, exceeds the deepest layer read; its null is
                       the same statistic on each null draw (argmax on the picking half's null curve,
                       scored on the scoring half's), so it is not >= 0 by construction

and per model one finding on the potential (spec 001 §発展実験 A, future experiment A):

    first_bimodal_above_null   the share of words whose sigma is bimodal beats its shuffled-label null
                               (maxT over layers) with its word-bootstrap interval above the null median

Every other variant, and the causal-blind subset, gives the same three rows as `exploratory`. The
half-rise layer stays a descriptive landmark of the results (it has no null).
"""

from collections.abc import Sequence

import numpy as np

from semphys.evidence import Claim, Null, decide, p_floor
from semphys.phase.readout.centroid import NULLS, HeldOutPeak, LayerSummary

NULL_NAMES = {"random": "random directions", "shuffled": "labels shuffled within words"}
INTERVAL = "95% percentile bootstrap over words (ratio of sums)"
METRIC_NAMES = {"kway": "K-way", "sign": "A vs B"}


def _null_at(name: str, summary: LayerSummary, position: int) -> Null:
    null = summary.null(name)
    draws = summary.null_draws[name].shape[0]
    return Null(
        f"{NULL_NAMES[name]} (max over layers)",
        draws,
        summary.n_items,
        float(null["p5"][position]),
        float(null["median"][position]),
        float(null["p95"][position]),
        float(null["maxt_p"][position]),
        p_floor(draws),
    )


def _empty_null(name: str) -> Null:
    return Null(NULL_NAMES[name], 0, None, None, None, None, None, None)


def readable_position(summary: LayerSummary) -> int:
    """The position the `first_above_null` row speaks of: the landmark, else the layer of smallest p
    (ties: the largest margin of the interval's lower end over the larger null median)."""
    if summary.first_above_null is not None:
        return int(np.flatnonzero(summary.layers == summary.first_above_null)[0])
    p = np.max([summary.null(name)["maxt_p"] for name in NULLS], axis=0)
    margin = summary.ci_low - np.max([summary.null(name)["median"] for name in NULLS], axis=0)
    candidates = np.flatnonzero(p == p.min())
    return int(candidates[np.argmax(margin[candidates])])


def _p95_detail(summary: LayerSummary, position: int) -> str:
    p95 = max(float(summary.null(name)["p95"][position]) for name in NULLS)
    low = float(summary.ci_low[position])
    return f"interval low {low:.3f} {'above' if low > p95 else 'not above'} the larger null p95 {p95:.3f}"


def summary_claims(
    summary: LayerSummary, model: str, design: str, metric: str, kind: str = "finding", label: str = ""
) -> list[Claim]:
    """The three landmark rows of one readout summary (this module's docstring)."""
    what = f"{design} {METRIC_NAMES.get(metric, metric)}{label}"
    common = dict(kind=kind, model=model, interval_method=INTERVAL)
    position = readable_position(summary)
    layer = int(summary.layers[position])
    found = summary.first_above_null is not None
    rows = [
        Claim(
            f"{what}: sense readable above both nulls from layer {layer}"
            if found
            else f"{what}: sense readable above both nulls (best layer {layer})",
            value=float(summary.accuracy[position]),
            interval=(float(summary.ci_low[position]), float(summary.ci_high[position])),
            nulls=tuple(_null_at(name, summary, position) for name in NULLS),
            adjustment="maxT",
            key="first_above_null",
            detail=f"layer {layer}, {summary.n_words} words, {summary.n_items} items; "
            + _p95_detail(summary, position),
            **common,
        )
    ]
    rows += peak_claims(summary.peak, summary, what, common)
    return rows


def peak_claims(peak: HeldOutPeak | None, summary: LayerSummary, what: str, common: dict) -> list[Claim]:
    """The held-out peak's two rows; undecidable (n/a) with fewer than two words."""
    deepest = int(summary.layers[-1])
    if peak is None:
        nulls = tuple(_empty_null(name) for name in NULLS)
        return [
            Claim(
                f"{what}: held-out peak above both nulls",
                value=None,
                nulls=nulls,
                adjustment="maxT",
                key="peak_layer",
                detail="fewer than two words: no split",
                **common,
            ),
            Claim(
                f"{what}: held-out peak above the deepest layer {deepest}",
                value=None,
                nulls=nulls,
                key="peak_minus_output",
                detail="fewer than two words: no split",
                **common,
            ),
        ]
    split = f"picked on {peak.n_pick_words} words, scored on {peak.n_score_words} ({peak.n_score_items} items)"
    accuracy_nulls = tuple(
        Null.from_draws(
            f"{NULL_NAMES[name]} (max over layers)",
            peak.null_accuracy[name],
            peak.accuracy,
            "higher",
            n=peak.n_score_items,
            p=peak.maxt_p[name],
        )
        for name in NULLS
    )
    difference_nulls = tuple(
        Null.from_draws(
            f"{NULL_NAMES[name]} (argmax on one half, scored on the other)",
            peak.null_difference[name],
            peak.difference,
            "higher",
            n=peak.n_score_items,
        )
        for name in NULLS
    )
    return [
        Claim(
            f"{what}: held-out accuracy at the peak layer {peak.layer} above both nulls",
            value=peak.accuracy,
            interval=peak.interval,
            nulls=accuracy_nulls,
            adjustment="maxT",
            key="peak_layer",
            detail=split,
            **common,
        ),
        Claim(
            f"{what}: held-out accuracy at the peak layer {peak.layer} above the deepest layer {deepest}",
            value=peak.difference,
            interval=peak.difference_interval,
            nulls=difference_nulls,
            key="peak_minus_output",
            detail=f"{split}; peak {peak.accuracy:.3f}, layer {deepest} {peak.output_accuracy:.3f}",
            **common,
        ),
    ]


def potential_claim(potential, model: str, layers: Sequence[int], kind: str = "finding") -> Claim:
    """The bimodality row of one model's `readout_run.Potential`."""
    layers = np.asarray(layers)
    position = potential.claim_position
    layer = int(layers[position])
    null = Null.from_draws(
        "labels shuffled within words (max over layers)",
        potential.null[:, position],
        float(potential.bimodal_share[position]),
        "higher",
        n=potential.n_words_tested,
        p=float(potential.maxt_p[position]),
    )
    found = potential.first_above_null is not None
    return Claim(
        f"V(sigma, l) bimodal above its null from layer {layer}"
        if found
        else f"V(sigma, l) bimodal above its null (best layer {layer})",
        kind=kind,
        model=model,
        value=float(potential.bimodal_share[position]),
        interval=(float(potential.ci_low[position]), float(potential.ci_high[position])),
        interval_method="95% percentile bootstrap over the tested words",
        nulls=(null,),
        adjustment="maxT",
        key="first_bimodal_above_null",
        detail=f"share of {potential.n_words_tested} words whose sigma prefers two Gaussian components (BIC); "
        f"null p95 {null.p95:.3f}",
    )


def run_claims(run, primary_variant: str) -> list[Claim]:
    """Every row of one model's `readout_run.ModelReadout`, undecided: findings for the primary variant's
    sighted items and the potential, exploratory for the rest."""
    rows = []
    for (design, variant, metric, subset), summary in sorted(run.summaries.items()):
        primary = variant == primary_variant and subset == "sighted"
        label = "" if primary else f" ({variant}, {subset})"
        rows += summary_claims(summary, run.spec, design, metric, "finding" if primary else "exploratory", label)
    if run.potential is not None and run.potential.n_words_tested:
        rows.append(potential_claim(run.potential, run.spec, run.layers))
    return rows


def document_claims(runs: Sequence, primary_variant: str) -> list[Claim]:
    """All models' rows decided together (`evidence.decide`: one Holm family over the document's findings),
    findings first."""
    rows = [claim for run in runs for claim in run_claims(run, primary_variant)]
    return decide(sorted(rows, key=lambda c: c.kind == "exploratory"))
