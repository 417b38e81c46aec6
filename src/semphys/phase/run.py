"""`run_phase`: the six experiments of spec 001 and the verdict, on one or more models.

Per model: load it, list every (prompt, target) the suite needs, capture the missing ones once
(`activations.capture_all`, through the on-disk cache), analyse each word (`analysis.analyse_word`),
run the W_QK PCA (`qk_pca`) and the projection of the order direction onto its top directions
(`qk_projection`), and summarise per variant. Then l_c/L across models (exp. 3), the success
criteria (`verdict`) and the projection's claims, decided together by one `evidence.decide`. Writes `OUT/results.json` (schema: `results.SCHEMA`, documented in
the README) and the figures (`plots.make_figures`); the HTML report is built on top of this
(`semphys.phase.report`).
"""

import gc
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.evidence import decide
from semphys.lm import LM, ModelFacts, load_lm
from semphys.lm.cache import ActivationCache, Request
from semphys.phase.activations import (
    CaptureStats,
    capture_all,
    check_readable,
    stack,
    suite_requests,
    word_requests,
)
from semphys.phase.analysis import WordAnalysis, analyse_word
from semphys.phase.anisotropy import Baseline, baseline_for
from semphys.phase.config import CORRECTIONS, PhaseConfig, variant_name, variants
from semphys.phase.exponents import universality
from semphys.phase.inputs.prompts import Skipped, Suite, Word
from semphys.phase.qk.pca import QKPCA, qk_pca
from semphys.phase.qk.projection import Projection, order_contrasts, project_order_directions
from semphys.phase.results import results_document, to_json
from semphys.phase.verdict import (
    ModelSummary,
    null_sign_accuracy,
    sign_accuracy,
    summarise,
    verdict,
)

Log = Callable[[str], None]


@dataclass
class ModelRun:
    """Everything measured on one model."""

    facts: ModelFacts
    load_seconds: float
    capture: CaptureStats
    analyses: list[WordAnalysis]
    qk: QKPCA | None
    projection: Projection | None
    """Exp. 6: the order direction's share in the top W_QK directions (`qk_projection`)."""
    summaries: dict[str, ModelSummary]
    """variant -> summary"""
    sign: dict[str, dict]
    """correction -> `verdict.sign_accuracy`"""
    null_sign: float | None
    skipped: list[Skipped]
    seconds: float


@dataclass
class PhaseRun:
    """What `run_phase` wrote and measured."""

    out_dir: Path
    results: dict
    """The JSON document written to results.json."""
    figures: dict[str, Path]
    models: list[ModelRun]

    @property
    def results_path(self) -> Path:
        return self.out_dir / "results.json"


def usable_words(lm: LM, suite: Suite, config: PhaseConfig) -> tuple[list[Word], list[Skipped]]:
    """The words whose every prompt this model can read (target found, within its context length)."""
    usable, skipped = [], []
    for word in suite.words:
        try:
            check_readable(lm, word_requests(word, config.hint_template))
        except UserError as err:
            skipped.append(Skipped(word.word, f"{lm.facts.spec}: {err}"))
            continue
        usable.append(word)
    if skipped and len(suite.words) == 1:
        raise UserError(skipped[0].reason)
    return usable, skipped


def run_model(
    lm: LM, suite: Suite, config: PhaseConfig, cache_root: Path | None | bool = None, log: Log | None = None
) -> ModelRun:
    """All experiments on one loaded model. cache_root: a directory, None (the default cache) or False (no cache)."""
    start = time.perf_counter()
    words, skipped = usable_words(lm, suite, config)
    cache = None if cache_root is False else ActivationCache(
        lm.facts, config.pooling, config.final_norm, None if cache_root in (None, True) else Path(cache_root)
    )
    requests = suite_requests(Suite(tuple(words), suite.source), config.hint_template)
    vectors, stats = capture_all(lm, requests, cache, config.pooling, config.final_norm, config.capture_chunk, log=log)
    analyses, contrasts = [], {}
    rng = np.random.default_rng([config.seed, zlib.crc32(lm.facts.spec.encode()), 6])
    for word in words:
        baseline = stack(vectors, [Request(p, t) for p, t in baseline_for(word.word)])
        analyses.append(analyse_word(word, vectors, baseline, config, lm.facts.causal))
        if config.qk_pca:
            contrasts[word.word] = order_contrasts(word, vectors, Baseline.from_vectors(baseline),
                                                   config.n_label_shuffles, rng)
    if log is not None:
        log(f"{lm.facts.spec}: {len(words)} words analysed")
    qk = qk_pca(lm, config.pca_components, config.seed) if config.qk_pca else None
    projection = (project_order_directions(lm, contrasts, config.pca_components, config.first_fit_layer,
                                           config.n_null_draws, rng) if contrasts else None)
    summaries = {
        variant_name(mode, correction): summarise(
            lm.facts.spec, analyses, variant_name(mode, correction),
            variant_name(mode, correction) == config.primary_variant, config,
        )
        for mode, correction in variants()
    }
    return ModelRun(
        facts=lm.facts, load_seconds=lm.load_seconds, capture=stats, analyses=analyses, qk=qk, projection=projection,
        summaries=summaries, sign={c: sign_accuracy(analyses, c) for c in CORRECTIONS},
        null_sign=null_sign_accuracy(analyses), skipped=skipped, seconds=time.perf_counter() - start,
    )


def run_phase(
    models: Sequence[str | LM],
    suite: Suite,
    out_dir: Path,
    config: PhaseConfig = PhaseConfig(),
    cache_root: Path | None | bool = None,
    log: Log | None = None,
    figures: bool = True,
) -> PhaseRun:
    """Run the suite on every model and write results.json and the figures into `out_dir`.

    models: specs for `load_lm` (loaded one at a time) or loaded `LM`s. A spec given twice is run once.
    """
    start = time.perf_counter()
    if not models:
        raise UserError("no model given: pass at least one --model")
    if not suite.words:
        raise UserError("no usable word in the suite" + _skipped_note(suite.skipped))
    out_dir = Path(out_dir)
    _check_writable(out_dir)
    runs: list[ModelRun] = []
    seen = set()
    for model in models:
        spec = model if isinstance(model, str) else model.facts.spec
        if spec in seen:
            continue
        seen.add(spec)
        if log is not None:
            log(f"model {spec}")
        lm = load_lm(model) if isinstance(model, str) else model
        runs.append(run_model(lm, suite, config, cache_root, log))
        if isinstance(model, str):
            del lm
            gc.collect()
    if not any(run.analyses for run in runs):
        reasons = [s for run in runs for s in run.skipped]
        raise UserError("no word could be read by any model" + _skipped_note(tuple(reasons)))
    universal = {
        variant_name(m, c): universality({r.facts.spec: r.summaries[variant_name(m, c)].lc_ratio for r in runs})
        for m, c in variants()
    }
    primary = config.primary_variant
    claims = verdict([r.summaries[primary] for r in runs], universal[primary], config.thresholds, config.seed)
    claims += [c for r in runs if r.projection is not None for c in r.projection.claims(r.facts.spec, config.seed)]
    by_variant = {v: verdict([r.summaries[v] for r in runs], universal[v], config.thresholds, config.seed,
                             primary=False) for v in universal if v != primary}
    # one decision over the whole document: both models, the projection and the exploratory variants
    decided = decide(claims + [c for rows in by_variant.values() for c in rows])
    decided_by_variant, offset = {}, len(claims)
    for v, rows in by_variant.items():
        decided_by_variant[v] = decided[offset : offset + len(rows)]
        offset += len(rows)
    document = results_document(suite, runs, config, universal, decided[: len(claims)], decided_by_variant,
                                time.perf_counter() - start)
    write_text_atomic(out_dir / "results.json", to_json(document))
    paths: dict[str, Path] = {}
    if figures:
        from semphys.phase.plots import make_figures

        paths = make_figures(document, out_dir)
    return PhaseRun(out_dir=out_dir, results=document, figures=paths, models=runs)


def _check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create output directory {out_dir}: {err.strerror or err}; choose a writable --out") from None
    if not out_dir.is_dir():
        raise UserError(f"output {out_dir} is not a directory; choose a directory for --out")


def _skipped_note(skipped: tuple[Skipped, ...]) -> str:
    if not skipped:
        return ""
    return "; skipped: " + "; ".join(f"{s.word}: {s.reason}" for s in skipped)


