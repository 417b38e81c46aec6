"""`semphys phase run`: the six experiments of spec 001 and the verdict, on one or more models.

Per model (`run_model`): list every (prompt, target) the suite needs, capture the missing ones once
(`activations.capture_all`, through the on-disk cache), analyse each word (`analysis.analyse_word`),
run the W_QK PCA (`qk.pca`) and the projection of the order direction onto its top directions
(`qk.projection`), and summarise per variant. Then l_c/L across models (exp. 3), the success
criteria (`verdict`) and the projection's claims, decided together by one `evidence.decide`.
`PhaseRunResult.save` writes `OUT/results.json` (schema `results.SCHEMA`), the figures (`plots`) and
`OUT/report.html` (`report`).

As for every command, a bad option is one `error:` line and exit 2 before the first model is loaded,
nothing written (`PhaseRunConfig.validate`): every --model names a loadable model (its config is read,
never its weights, so an unknown second model is reported before the first one runs), --out and
--cache-dir are (or can become) writable directories, the numeric and named settings (--bootstrap,
--mode, --correction, --selection) are allowed values, and the words are checked when the suite is
built (`inputs.sources.build_suite`).
"""

import gc
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.rundir import fingerprint as text_fingerprint
from semphys.core.validate import require_choice, require_directory_option, require_non_negative
from semphys.evidence import check_document, decide
from semphys.experiments.base import Command, Log, quiet
from semphys.experiments.phase.results import SCHEMA, SCHEMA_FILE, results_document, to_json
from semphys.lm import LM, ModelFacts, check_model_spec, load_lm
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
from semphys.phase.config import CORRECTIONS, MODES, PhaseConfig, variant_name, variants
from semphys.phase.exponents import universality
from semphys.phase.inputs.prompts import Skipped, Suite, Word
from semphys.phase.inputs.sources import build_suite
from semphys.phase.qk.pca import QKPCA, qk_pca
from semphys.phase.qk.projection import Projection, order_contrasts, project_order_directions
from semphys.phase.verdict.claims import verdict
from semphys.phase.verdict.summary import ModelSummary, null_sign_accuracy, sign_accuracy, summarise

COMMAND = Command("phase run", SCHEMA, ("results.json", "report.html", "*.png", "*.svg"))
"""What a resumed `phase run` replaces, all of it, at claim time (`semphys.core.rundir`)."""

SELECTIONS: tuple[str, ...] = ("aicc", "aic")


def suite_fingerprint(suite: Suite) -> str:
    """16 hex digits of the words, senses and prompts a suite holds: a run of other words is another run."""
    return text_fingerprint(repr(suite.words))


@dataclass(frozen=True)
class PhaseRunConfig:
    """The options of one `phase run` (spec 001's settings are `PhaseConfig`'s defaults)."""

    out: Path
    """The run directory: results.json, the figures and report.html."""
    models: tuple[str, ...] = ("embedded",)
    """Model specs in order (`semphys.lm.load_lm`); a spec given twice is run once."""
    words: str | None = None
    """Comma-separated words (`inputs.sources.build_suite`); None: bank, bat, crane."""
    prompts: Path | None = None
    """A YAML or JSON prompts file (`inputs.prompt_file`)."""
    wordnet: int | None = None
    """Sense pairs for N ambiguous WordNet nouns, per word (the thin design of `inputs.wordnet_words`; the CLI's
    `--wordnet N` runs spec 001 at WordNet scale instead, `semphys.experiments.phase.wordnet`)."""
    strict: bool = False
    """A word that cannot be used is an error, not skipped."""
    bootstrap: int = 200
    """Anchor resamples for the fit intervals (0: none)."""
    mode: str = "per-layer"
    """Direction mode judged by the verdict (`config.MODES`)."""
    correction: str = "standardised"
    """Anisotropy correction judged by the verdict (`config.CORRECTIONS`)."""
    selection: str = "aicc"
    """Fit choice by aicc (small-sample AIC) or aic."""
    seed: int = 0
    """Seed of the bootstrap, null controls and random-weight null."""
    qk_pca: bool = True
    """Run exp. 6 (W_QK PCA and the projection)."""
    cache: bool = True
    """Read and write the activation cache."""
    cache_dir: Path | None = None
    """Activation cache root (None: $SEMPHYS_CACHE/activations)."""

    @property
    def specs(self) -> tuple[str, ...]:
        """The model specs, each given once, in order."""
        return tuple(dict.fromkeys(self.models))

    @property
    def phase(self) -> PhaseConfig:
        """The run's spec 001 settings."""
        return PhaseConfig(
            primary_mode=self.mode,
            primary_correction=self.correction,
            selection=self.selection,
            n_bootstrap=self.bootstrap,
            seed=self.seed,
            qk_pca=self.qk_pca,
        )

    @property
    def cache_root(self) -> Path | None | bool:
        """A directory, None (the default cache) or False (no cache), as `run_model` takes it."""
        return self.cache_dir if self.cache else False

    @cached_property
    def suite(self) -> Suite:
        """The words of the run, built once (raises `UserError` on a word that cannot be used)."""
        return build_suite(self.words, self.prompts, self.wordnet, self.strict)

    def validate(self) -> None:
        """Every refusal before any model loads (module docstring); raises `UserError`."""
        require_non_negative("--bootstrap", self.bootstrap)
        require_choice("--mode", self.mode, MODES)
        require_choice("--correction", self.correction, CORRECTIONS)
        require_choice("--selection", self.selection, SELECTIONS)
        require_directory_option("--out", self.out)
        if self.cache and self.cache_dir is not None:
            require_directory_option("--cache-dir", self.cache_dir)
        for spec in self.specs:
            check_model_spec(spec)
        COMMAND.check(self.out, self.fingerprint())

    def fingerprint(self) -> dict:
        """What decides the result: the models, the spec 001 settings and the suite's words."""
        return {"models": list(self.specs), "config": self.phase, "suite": suite_fingerprint(self.suite)}


@dataclass
class PhaseRunResult:
    """What `run` measured: results.json's document and the per-model runs."""

    config: PhaseRunConfig
    document: dict
    """The JSON document of results.json (`results`)."""
    models: list["ModelRun"]
    figures: dict[str, Path] = field(default_factory=dict)
    """name -> path of each figure, filled by `save`."""

    def save(self, out: Path) -> Path:
        """Write results.json (schema-checked), the figures and report.html into `out`; returns the report's path."""
        from semphys.experiments.phase.plots import make_figures
        from semphys.experiments.phase.report import write_report

        out = COMMAND.claim(out, self.config.fingerprint())
        check_document(self.document, SCHEMA_FILE)
        write_text_atomic(out / "results.json", to_json(self.document))
        self.figures = make_figures(self.document, out)
        return write_report(self.document, self.figures, out)


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
    """correction -> `summary.sign_accuracy`"""
    null_sign: float | None
    skipped: list[Skipped]
    seconds: float


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
    lm: LM, suite: Suite, config: PhaseConfig, cache_root: Path | None | bool = None, log: Log = quiet
) -> ModelRun:
    """All experiments on one loaded model. cache_root: a directory, None (the default cache) or False (no cache)."""
    start = time.perf_counter()
    words, skipped = usable_words(lm, suite, config)
    cache = (
        None
        if cache_root is False
        else ActivationCache(
            lm.facts, config.pooling, config.final_norm, None if cache_root in (None, True) else Path(cache_root)
        )
    )
    requests = suite_requests(Suite(tuple(words), suite.source), config.hint_template)
    vectors, stats = capture_all(lm, requests, cache, config.pooling, config.final_norm, config.capture_chunk, log=log)
    analyses, contrasts = [], {}
    rng = np.random.default_rng([config.seed, zlib.crc32(lm.facts.spec.encode()), 6])
    for word in words:
        baseline = stack(vectors, [Request(p, t) for p, t in baseline_for(word.word)])
        analyses.append(analyse_word(word, vectors, baseline, config, lm.facts.causal))
        if config.qk_pca:
            contrasts[word.word] = order_contrasts(
                word, vectors, Baseline.from_vectors(baseline), config.n_label_shuffles, rng
            )
    log(f"{lm.facts.spec}: {len(words)} words analysed")
    qk = qk_pca(lm, config.pca_components, config.seed) if config.qk_pca else None
    projection = (
        project_order_directions(lm, contrasts, config.pca_components, config.first_fit_layer, config.n_null_draws, rng)
        if contrasts
        else None
    )
    summaries = {
        variant_name(mode, correction): summarise(
            lm.facts.spec,
            analyses,
            variant_name(mode, correction),
            variant_name(mode, correction) == config.primary_variant,
            config,
        )
        for mode, correction in variants()
    }
    return ModelRun(
        facts=lm.facts,
        load_seconds=lm.load_seconds,
        capture=stats,
        analyses=analyses,
        qk=qk,
        projection=projection,
        summaries=summaries,
        sign={c: sign_accuracy(analyses, c) for c in CORRECTIONS},
        null_sign=null_sign_accuracy(analyses),
        skipped=skipped,
        seconds=time.perf_counter() - start,
    )


@dataclass
class PhaseRun:
    """What `run_phase` measured."""

    results: dict
    """The JSON document of results.json."""
    models: list[ModelRun]


def run_phase(
    models: Sequence[str | LM],
    suite: Suite,
    config: PhaseConfig = PhaseConfig(),
    cache_root: Path | None | bool = None,
    log: Log = quiet,
) -> PhaseRun:
    """Run the suite on every model, in memory: the results document and every model's run.

    models: specs for `load_lm` (loaded one at a time) or loaded `LM`s. A spec given twice is run once.
    """
    start = time.perf_counter()
    if not models:
        raise UserError("no model given: pass at least one --model")
    if not suite.words:
        raise UserError("no usable word in the suite" + _skipped_note(suite.skipped))
    runs: list[ModelRun] = []
    seen = set()
    for model in models:
        spec = model if isinstance(model, str) else model.facts.spec
        if spec in seen:
            continue
        seen.add(spec)
        lm = load_lm(model) if isinstance(model, str) else model
        log(f"model {spec}")
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
    by_variant = {
        v: verdict([r.summaries[v] for r in runs], universal[v], config.thresholds, config.seed, primary=False)
        for v in universal
        if v != primary
    }
    # one decision over the whole document: both models, the projection and the exploratory variants
    decided = decide(claims + [c for rows in by_variant.values() for c in rows])
    decided_by_variant, offset = {}, len(claims)
    for v, rows in by_variant.items():
        decided_by_variant[v] = decided[offset : offset + len(rows)]
        offset += len(rows)
    document = results_document(
        suite, runs, config, universal, decided[: len(claims)], decided_by_variant, time.perf_counter() - start
    )
    return PhaseRun(results=document, models=runs)


def run(config: PhaseRunConfig, log: Log = quiet, work: Path | None = None) -> PhaseRunResult:
    """`phase run` in memory. The activation cache (`config.cache_root`) is what makes a killed run resume;
    `work` is not needed."""
    for skipped in config.suite.skipped:
        log(f"warning: word {skipped.word!r} skipped: {skipped.reason}")
    measured = run_phase(config.specs, config.suite, config.phase, cache_root=config.cache_root, log=log)
    if config.strict:
        late = [s for m in measured.models for s in m.skipped]
        if late:
            raise UserError(f"word {late[0].word!r} cannot be used: {late[0].reason}")
    return PhaseRunResult(config, measured.results, measured.models)


def _skipped_note(skipped: tuple[Skipped, ...]) -> str:
    if not skipped:
        return ""
    return "; skipped: " + "; ".join(f"{s.word}: {s.reason}" for s in skipped)
