"""`semphys phase run --wordnet N | --all`: spec 001 answered at WordNet scale (`semphys.phase.scale`).

Per model (loaded one at a time): the held-out readout's items (`phase.readout.items`, every usable
word of the parts of speech asked, or the first N of each), captured through the readout's activation
cache, measured by `scale.measure_model` (judged curves of both designs, own nulls, fits, chi from
gloss hints, growing contexts projected during the capture). Then the claim rows of both models,
decided together by one `evidence.decide` (Holm over the findings), and each model's answer in spec
001's three outcomes (`scale.claims`). `WordnetRunResult.save` writes `OUT/results.json` (schema
`semphys.phase.wordnet/1`, `wordnet.schema.json` beside this module), the figures and
`OUT/report.html` (`wordnet_report`), which leads with the answer. `measure` and `document_of` are the
steps a sweep's wordnet job runs on its worker's loaded model (`semphys sweep`, `words: {wordnet: N | all}`).

The projected sigma of hints and contexts is cached under `<cache>/projected` (with `--cache-dir D`, under
`D/projected`; `--no-cache` uses neither), so a killed run resumes chunk by chunk and a re-run forwards nothing.
"""

import gc
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.validate import require_at_least, require_choice, require_directory_option
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.lm import LM, check_model_spec, load_lm
from semphys.lm.cache import ActivationCache
from semphys.phase.readout.items import PARTS_OF_SPEECH, ReadoutItems, cached_wordnet_items
from semphys.phase.scale import OUTCOMES, ModelScale, ScaleSettings, answer, measure_model, verdict
from semphys.phase.scale.measure import projection_cache

SCHEMA = "semphys.phase.wordnet/1"
SCHEMA_FILE = schema_path(__file__, "wordnet")
COMMAND = Command("phase run", SCHEMA, ("results.json", "report.html", "*.png"))
"""What a resumed WordNet-scale `phase run` replaces at claim time."""


@dataclass(frozen=True)
class WordnetRunConfig:
    """The options of `phase run --wordnet N` or `--all` (spec 001 exp. 1-5 over WordNet words)."""

    out: Path | None = None
    """The run directory: results.json, the figures and report.html; None: a config computed in memory only
    (a sweep job)."""
    models: tuple[str, ...] = ("embedded",)
    n_words: int | None = None
    """Usable words per part of speech (`--wordnet N`); None: all of them (`--all`)."""
    pos: tuple[str, ...] = ("n",)
    """WordNet parts of speech (`--pos n,v`)."""
    settings: ScaleSettings = field(default_factory=ScaleSettings)
    cache: bool = True
    """Read and write the activation cache and the projected-sigma cache."""
    cache_dir: Path | None = None
    """Activation cache root (None: $SEMPHYS_CACHE/activations)."""

    @property
    def specs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.models))

    def validate(self) -> None:
        """Every refusal before any model loads; raises `UserError`."""
        if self.n_words is not None:
            require_at_least("--wordnet", self.n_words, 1)
        for tag in self.pos:
            require_choice("--pos", tag, PARTS_OF_SPEECH)
        self.settings.validate()
        if self.out is not None:
            require_directory_option("--out", self.out)
        if self.cache and self.cache_dir is not None:
            require_directory_option("--cache-dir", self.cache_dir)
        for spec in self.specs:
            check_model_spec(spec)
        if self.out is not None:
            COMMAND.check(self.out, self.fingerprint())

    def fingerprint(self) -> dict:
        """What decides the result: models, words asked for and the design's settings."""
        return {
            "models": list(self.specs),
            "n_words": self.n_words,
            "pos": list(self.pos),
            "settings": self.settings.to_dict(),
        }


@dataclass
class WordnetRunResult:
    """What the WordNet-scale run measured: results.json's document and every model's measurements."""

    config: WordnetRunConfig
    document: dict
    models: list[ModelScale]
    figures: dict[str, Path] = field(default_factory=dict)

    def save(self, out: Path) -> Path:
        """Write results.json (schema-checked), the figures and report.html; returns the report's path."""
        from semphys.experiments.phase.wordnet_report import write_report

        out = COMMAND.claim(out, self.config.fingerprint())
        check_document(self.document, SCHEMA_FILE)
        write_text_atomic(out / "results.json", to_json(self.document))
        report, self.figures = write_report(self.document, out)
        return report


def _model_section(run: ModelScale) -> dict:
    return {
        "n_layers": run.n_layers,
        "causal": run.causal,
        "seconds": run.seconds,
        "capture": run.capture.to_dict(),
        "projected": run.projected.to_dict(),
        "n_contexts": run.n_contexts,
        "skipped": [asdict(s) for s in run.skipped],
        "pooled": run.gloss.to_dict(),
        "loo": run.loo.to_dict(),
        "blind": run.blind,
        "words": [
            {
                "word": key,
                "lexname": lexname,
                "lc_over_L": lc / run.n_layers if np.isfinite(lc) else None,
                "beta": float(beta) if usable else None,
                "r2": r2,
                "abrupt": bool(abrupt),
                "own_p": float(p) if p is not None else None,
            }
            for key, lexname, lc, beta, usable, r2, abrupt, p in zip(
                run.gloss.keys,
                run.gloss.lexnames,
                run.gloss.words.lc,
                run.gloss.words.beta,
                run.gloss.words.beta_usable,
                run.gloss.words.r2.tolist(),
                run.gloss.abrupt,
                run.gloss.own_p if run.gloss.own_p is not None else [None] * run.gloss.n_words,
            )
        ],
    }


def document_of(config: WordnetRunConfig, items: ReadoutItems, runs: list[ModelScale], seconds: float) -> dict:
    """The results document of a WordNet-scale run (`wordnet.schema.json`)."""
    claims = verdict(
        {r.spec: r.gloss for r in runs},
        {r.spec: r.loo for r in runs},
        config.settings.n_bootstrap,
        config.settings.seed,
    )
    answers = [answer(r.spec, claims, r.gloss) for r in runs]
    return {
        "schema": SCHEMA,
        "design": "wordnet",
        "primary_variant": "gloss design, per-layer/standardised, sighted",
        "config": {
            "models": list(config.specs),
            "n_words": config.n_words,
            "pos": list(config.pos),
            "settings": config.settings.to_dict(),
        },
        "provenance": collect_provenance(),
        "seconds": seconds,
        "items": {"source": items.source, "n_words": len(items.words), "n_skipped": len(items.skipped)},
        "models": {r.spec: _model_section(r) for r in runs},
        "claims": [c.to_dict() for c in claims],
        "answers": {a.model: a.to_dict() for a in answers},
        "outcomes": {str(k): v for k, v in OUTCOMES.items()},
        "headline": [a.sentence() for a in answers],
    }


def measure(lm: LM, items: ReadoutItems, config: WordnetRunConfig, log: Log = quiet) -> ModelScale:
    """`scale.measure_model` on one loaded model, through the config's activation and projected-sigma caches."""
    if not config.cache:
        return measure_model(lm, items.words, config.settings, None, None, log=log)
    cache = ActivationCache(lm.facts, "last", False, config.cache_dir)
    projected = Path(config.cache_dir) / "projected" if config.cache_dir is not None else projection_cache()
    return measure_model(lm, items.words, config.settings, cache, projected, log=log)


def run(config: WordnetRunConfig, log: Log = quiet, work: Path | None = None) -> WordnetRunResult:
    """The WordNet-scale design in memory; the caches (activations, projected sigma) make a killed run resume."""
    start = time.perf_counter()
    items = cached_wordnet_items(config.pos, config.n_words)
    log(f"{len(items.words)} WordNet words ({items.source})")
    runs = []
    for spec in config.specs:
        log(f"model {spec}")
        lm = load_lm(spec)
        runs.append(measure(lm, items, config, log))
        del lm
        gc.collect()
    document = document_of(config, items, runs, time.perf_counter() - start)
    return WordnetRunResult(config, document, runs)
