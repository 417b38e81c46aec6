"""results.json: what a phase run measured, as one JSON document (schema `semphys.phase/3`,
`results.schema.json` beside this module).

    schema, primary_variant, variants, config, provenance, seconds
    suite        {source, words: [names], skipped: [{word, reason}]}
    models       {spec: {
        facts, load_seconds, seconds, capture: {n_requests, n_distinct, n_cached, n_forwarded, n_calls, seconds},
        layers: [0..L], skipped: [{word, reason}],
        words: {word: {
            word, senses: [A, B], anchors: {sense: [...]}, hints, gradient, source, notes,
            critical_layer: {variant: l_c},          median half-rise l_c of the judged prompts
            direction_alignment: {correction: [per layer]},      cos(e_A(l)-e_B(l), e_A(L)-e_B(L))
            prompts: [{label, text, sense, strength, blind, judged,
                       sigma: {variant: [per layer]},
                       statistics: {variant: {amplitude, jump, step_share, transition, r2, beta, beta_usable,
                                              lc, lc_sigma}},
                       fits: {variant: {best, criterion, second_order|tanh|step:
                              {type, params, ci, r2, aic, aicc, rss, n, k, at_bound}}},
                       bootstrap_selection_frequency: {type: fraction}}],    primary variant only
            controls: {variant: {random_directions|label_shuffle: {low, median, high} per layer}},
            susceptibility: {variant: {base, hints: {hint: {prompt, chi, peak_layer}}, mean_chi,
                                       peak_layer, l_c, distance}},
            phase_diagram: {variant: {columns: [{sense, text, n_context, side, added}], sigma: [[...]],
                                      zero_crossings}}}},
        summary: {variant: {n_declared, n_blind_excluded, n_judged, amplitude_median, jump_median,
                            step_share_median, transition_median, r2_median, critical_exponents,
                            critical_exponents_usable, lc_median, lc_over_L, lc_sigma_median,
                            lc_sigma_over_L, word_lc, chi_peak_layer, chi_distance,
                            null: {<source>_exponents, n_draws, n_control: {source: {word: draws}}}}},
        sign_accuracy: {correction: {prompts: [...], accuracy: {strong|declared|strong_seeing_context:
                                                               {hits, n, fraction}}}},
        null_sign_accuracy, qk_pca: {n_layers, n_heads, n_kv_heads, qk_norm, rotary,
                                     forms|random_weights: {form: {explained, cumulative, at, ...}}},
        qk_projection: {ks, layers, d_model, expected_random, n_splits: {word: n},
                        sides: {query|key: {measured, mean_over_layers, per_word, random, shuffled}}}}}
    universality {variant: {ratios: {spec: l_c/L}, spread, std, variance}}
    claims       [evidence claim rows (`semphys.evidence`, claim.schema.json)]: the verdict of the primary
                 variant (findings) and the W_QK projection's, decided together by one `evidence.decide`
    verdict      {variant, headline: [sentence per model]}
    verdict_by_variant {variant: {claims: [exploratory claim rows]}}   the other variants

Changes from `semphys.phase/2`: the verdict rows are `evidence.Claim` rows in `claims` (value with
a bootstrap interval, threshold and its source, every null with its median and p, p adjusted by Holm
over the document's findings, p floor, holds); an amplitude row; the jump's nulls rescaled to each
real curve's range and a smooth-rise null for the abruptness and fit rows; the projection's p-values
moved from `qk_projection` into `claims`; per-prompt `amplitude` and `step_share`.

Variants are `<mode>/<correction>`: mode `final` or `per-layer`, correction `raw`, `centred` or
`standardised`. Layers index the residual stream: 0 = embeddings, l = output of block l - 1.
NaN and infinity are written as null.
"""

import json
import math
from typing import TYPE_CHECKING

import numpy as np

from semphys.core.jsondoc import schema_path
from semphys.core.provenance import collect_provenance
from semphys.evidence import Claim
from semphys.phase.analysis import WordAnalysis
from semphys.phase.config import PhaseConfig, variant_name, variants
from semphys.phase.inputs.prompts import Suite
from semphys.phase.verdict.claims import headline
from semphys.phase.verdict.curve_statistics import STATISTICS

if TYPE_CHECKING:
    from semphys.experiments.phase.run import ModelRun
    from semphys.phase.exponents import Universality

SCHEMA = "semphys.phase/3"
SCHEMA_FILE = schema_path(__file__, "results")
"""The JSON Schema of results.json (`results.schema.json` beside this module)."""


def to_json(document: dict) -> str:
    """JSON text with NaN/inf as null and numpy values as Python numbers."""
    return json.dumps(_clean(document), indent=1, allow_nan=False) + "\n"


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def word_document(analysis: WordAnalysis, primary: str) -> dict:
    """One word's entry under `models.<spec>.words`."""
    word = analysis.word
    prompts = []
    for i, prompt in enumerate(word.prompts):
        entry = {
            "label": prompt.label,
            "text": prompt.text,
            "sense": prompt.sense,
            "strength": prompt.strength,
            "blind": analysis.blind[i],
            "judged": i in analysis.judged,
            "sigma": {v: s[i] for v, s in analysis.sigma.items()},
            "statistics": {
                v: {name: getattr(stats, name)[i] for name in STATISTICS} for v, stats in analysis.statistics.items()
            },
            "fits": {
                v: {"best": sel[i].best, "criterion": sel[i].criterion}
                | {kind: fit.to_dict() for kind, fit in sel[i].fits.items()}
                for v, sel in analysis.fits.items()
            },
        }
        if analysis.selection_frequency:
            entry["bootstrap_selection_frequency"] = analysis.selection_frequency[i]
        prompts.append(entry)
    susceptibility = {}
    for v, chi in analysis.chi.items():
        if chi is None:
            continue
        l_c = analysis.critical_layer(v)
        susceptibility[v] = {
            "base": word.hint_base.label,
            "hints": {h: {"chi": chi.chi[k], "peak_layer": chi.hint_peaks[k]} for k, h in enumerate(chi.hints)},
            "mean_chi": chi.mean_chi,
            "peak_layer": chi.peak_layer,
            "l_c": l_c,
            "distance": abs(chi.peak_layer - l_c) if l_c is not None else None,
        }
    return {
        "word": word.word,
        "senses": list(word.senses),
        "anchors": {s: list(word.anchors[s]) for s in word.senses},
        "hints": list(word.hints),
        "gradient": {s: list(g) for s, g in word.gradient.items()},
        "source": word.source,
        "notes": dict(word.notes),
        "n_bootstrap": analysis.n_bootstrap,
        "primary_variant": primary,
        "critical_layer": {v: analysis.critical_layer(v) for v in analysis.sigma},
        "direction_alignment": analysis.alignment,
        "prompts": prompts,
        "controls": analysis.bands,
        "susceptibility": susceptibility,
        "phase_diagram": {v: d.to_dict() for v, d in analysis.diagrams.items() if d is not None},
    }


def results_document(
    suite: Suite,
    runs: list["ModelRun"],
    config: PhaseConfig,
    universal: dict[str, "Universality"],
    claims: list[Claim],
    by_variant: dict[str, list[Claim]],
    seconds: float,
) -> dict:
    """The whole results.json document (see the module docstring). claims: decided (`evidence.decide`)."""
    primary = config.primary_variant
    models = {}
    for run in runs:
        n_layers = run.facts.n_layers
        models[run.facts.spec] = {
            "facts": run.facts.to_dict(),
            "load_seconds": run.load_seconds,
            "seconds": run.seconds,
            "capture": run.capture.to_dict(),
            "layers": list(range(n_layers + 1)),
            "skipped": [{"word": s.word, "reason": s.reason} for s in run.skipped],
            "words": {a.word.word: word_document(a, primary) for a in run.analyses},
            "summary": {v: s.to_dict() for v, s in run.summaries.items()},
            "sign_accuracy": run.sign,
            "null_sign_accuracy": run.null_sign,
            "qk_pca": run.qk.to_dict() if run.qk is not None else None,
            "qk_projection": run.projection.to_dict() if run.projection is not None else None,
        }
    return {
        "schema": SCHEMA,
        "primary_variant": primary,
        "variants": [variant_name(m, c) for m, c in variants()],
        "config": config.to_dict(),
        "provenance": collect_provenance(),
        "seconds": seconds,
        "suite": {
            "source": suite.source,
            "words": [w.word for w in suite.words],
            "skipped": [{"word": s.word, "reason": s.reason} for s in suite.skipped],
        },
        "models": models,
        "universality": {v: u.to_dict() for v, u in universal.items()},
        "claims": [claim.to_dict() for claim in claims],
        "verdict": {"variant": primary, "headline": headline(claims)},
        "verdict_by_variant": {v: {"claims": [claim.to_dict() for claim in rows]} for v, rows in by_variant.items()},
    }
