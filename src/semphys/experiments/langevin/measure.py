"""`semphys langevin measure`: is a language model's own inference the constrained Langevin process of spec 000?

Per model: WordNet windows (train synsets for fitting, validation synsets held out) -> lines of thought
(cached forwards, `semphys.langevin.measure.windows`) -> the layer clock (`layer_time`); for a causal model
also the token clock (`token_time`). With a run directory (`work`), each finished model's section is
written to `work/sections/<hash of the model>.json` at once, so a killed run resumes from the models it
finished (and, inside a model, from the cached forwards). The claims (`verdict`) are derived from the
sections and decided together, every model in one `evidence.decide`, so a resumed run decides them again.
`MeasureResult.save` writes OUT/measure.json (measure.schema.json beside this module; each model's
`claims` are `evidence.Claim` rows), report.html and the figures (`measure_report`).
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from threadpoolctl import threadpool_limits

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import clean, schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.threads import torch_threads
from semphys.core.validate import require_at_least, require_range
from semphys.data import load_corpus
from semphys.evidence import Claim, check_claims, check_document, decide, markdown_table
from semphys.experiments.base import Command, Log, quiet
from semphys.experiments.langevin.measure_report import write_report
from semphys.langevin.measure.layer_time import LayerTimeConfig, LayerTimeResult, measure_layer_time
from semphys.langevin.measure.token_time import TokenTimeConfig, measure_token_time
from semphys.langevin.measure.verdict import NOT_OPERATIONALISED, layer_claims, token_claims
from semphys.langevin.measure.windows import line_states, text_windows
from semphys.lm import check_model_spec, load_lm
from semphys.lm.cache import ActivationCache

COMMAND = Command("langevin measure", "semphys.langevin.measure/2", ("measure.json", "report.html", "*.png"))
SCHEMA_FILE = schema_path(__file__, "measure")


@dataclass(frozen=True)
class MeasureConfig:
    """Every option of `semphys langevin measure`."""

    models: tuple[str, ...] = ("embedded",)
    """Models to measure: `embedded`, `minilm` (an encoder: the layer clock only), a local directory or a hub id."""
    out: Path = Path("measure-run")
    """Run directory: measure.json, report.html, PNG figures, sections/ (finished models, for resuming)."""
    texts: int = 2000
    """N: text windows per model, train and held out together (at least 2,000 by default)."""
    held_out_fraction: float = 0.25
    """Share of the N windows drawn from held-out (validation) synsets."""
    layer: LayerTimeConfig = field(default_factory=LayerTimeConfig)
    """The layer clock's settings (`semphys.langevin.measure.layer_time`)."""
    token: TokenTimeConfig = field(default_factory=TokenTimeConfig)
    """The token clock's settings (`semphys.langevin.measure.token_time`)."""
    seed: int = 0
    """Seed of the window choice, the splits, the noise and the sampling."""

    def validate(self) -> None:
        """Every refusal before any model loads (bad input)."""
        if not self.models:
            raise UserError("no --model given: give at least one, e.g. --model embedded")
        require_at_least("--texts", self.texts, 8)
        require_at_least("--tokens", self.token.tokens, 2)
        require_at_least("--passages", self.token.passages, 2)
        require_range("held_out_fraction", self.held_out_fraction, 0.0, 1.0)
        for temperature in (*self.token.temperatures, *self.token.probe_temperatures):
            if not temperature > 0:
                raise UserError(f"temperature {temperature} is not allowed: sampling temperatures must be > 0")
        for spec in self.models:
            check_model_spec(spec)
        COMMAND.check(self.out, self.fingerprint())

    def fingerprint(self) -> dict:
        """The fields that decide the result (all but `out`)."""
        return clean(
            {
                "models": list(self.models),
                "texts": self.texts,
                "held_out_fraction": self.held_out_fraction,
                "layer": self.layer.__dict__,
                "token": self.token.__dict__,
                "seed": self.seed,
            }
        )


def _section_path(out: Path, spec: str) -> Path:
    return out / "sections" / f"{hashlib.sha256(spec.encode()).hexdigest()[:16]}.json"


def claims_of(section: dict, seed: int = 0) -> list[Claim]:
    """The undecided claims of one model's section (derived, not measured: recomputed on resume)."""
    model = section["model"]
    token = section["token_time"]
    return layer_claims(section["layer_time"], model) + (token_claims(token, model, seed) if token is not None else [])


def decide_document(sections: list[dict], seed: int = 0) -> list[dict]:
    """Every model's claims decided together (one Holm family), each section given its `claims` rows."""
    claims = [claims_of(section, seed) for section in sections]
    decided = decide([c for rows in claims for c in rows])
    out, start = [], 0
    for section, rows in zip(sections, claims):
        out.append({**section, "claims": [c.to_dict() for c in decided[start : start + len(rows)]]})
        start += len(rows)
    return out


def measure_model(spec: str, config: MeasureConfig, log: Log = quiet) -> tuple[dict, LayerTimeResult]:
    """One model's section {model, facts, seconds, layer_time, token_time} and its layer arrays."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    lm = load_lm(spec)
    seconds["load"] = time.perf_counter() - start
    corpus = load_corpus(seed=config.seed)
    n_held = max(2, int(round(config.held_out_fraction * config.texts)))

    def fits(prompt: str) -> bool:
        return lm.facts.fits(len(lm.tokenizer(prompt).input_ids))

    train_windows = text_windows(corpus.texts("train"), config.texts - n_held, config.seed, fits)
    held_windows = text_windows(corpus.texts("valid"), n_held, config.seed + 1, fits)
    cache = ActivationCache(lm.facts, "last", False)
    clock = time.perf_counter()
    train, held = line_states(lm, train_windows, cache, log), line_states(lm, held_windows, cache, log)
    seconds["forward_layer"] = time.perf_counter() - clock
    clock = time.perf_counter()
    layer = measure_layer_time(lm, train, held, config.layer, log)
    seconds["fit_and_simulate_layer"] = time.perf_counter() - clock
    token = None
    if lm.facts.causal:
        clock = time.perf_counter()
        token = measure_token_time(lm, corpus.texts("valid"), config.token, log)
        seconds["token_clock"] = time.perf_counter() - clock
    section = {
        "model": spec,
        "facts": lm.facts.to_dict(),
        "seconds": seconds,
        "layer_time": layer.section,
        "token_time": token,
    }
    return section, layer


@dataclass
class MeasureResult:
    """measure.json's document and, for the models measured in this run, their layer-clock arrays."""

    config: MeasureConfig
    document: dict
    """measure.json: schema, config, models (each section with its decided `claims`), not_operationalised,
    seconds, versions (JSON-ready, schema-checked)."""
    arrays: dict[str, LayerTimeResult]
    """Model -> its real and simulated lines (the figures' data); a model read back from a section has none."""

    def save(self, out: Path) -> Path:
        """Write OUT/measure.json, the figures and OUT/report.html; returns measure.json's path."""
        out = COMMAND.claim(out, self.config.fingerprint())
        path = write_text_atomic(out / "measure.json", to_json(self.document))
        write_report(self.document, self.arrays, out)
        return path


def run(config: MeasureConfig, log: Log = quiet, work: Path | None = None) -> MeasureResult:
    """Measure every model; with a run directory `work`, each finished model's section is kept in
    work/sections/ and a model finished by an earlier run is read back, not measured again."""
    start = time.perf_counter()
    sections, arrays = [], {}
    with threadpool_limits(1), torch_threads(1):
        for spec in config.models:
            path = None if work is None else _section_path(work, spec)
            if path is not None and path.is_file():
                log(f"{spec}: finished in an earlier run, read from {path}")
                section = json.loads(path.read_text(encoding="utf-8"))
                sections.append(section)
                continue
            section, layer = measure_model(spec, config, log)
            if path is not None:
                write_text_atomic(path, to_json(section))
            sections.append(json.loads(to_json(section)))
            arrays[spec] = layer
    document = {
        "schema": COMMAND.schema,
        "config": config.fingerprint(),
        "models": decide_document(sections, config.seed),
        "not_operationalised": NOT_OPERATIONALISED,
        "seconds": time.perf_counter() - start,
        **collect_provenance(),
    }
    document = json.loads(to_json(document))
    check_document(document, SCHEMA_FILE)
    check_claims(document)
    return MeasureResult(config, document, arrays)


def verdict_table(document: dict) -> str:
    """Every model's claims as one Markdown table (`evidence.markdown_table`)."""
    return markdown_table([Claim.from_dict(row) for section in document["models"] for row in section["claims"]])
