"""`semphys phase readout`: the held-out sense readout across layers (spec 001 §実験1) and the potential
V(sigma, l) (§発展実験 A), on every model given (`readout_models`).

Order (bad input is refused before any work): the config is checked (`--layers` against each model's config, never
its weights) and `--out` checked before WordNet or the prompts file is read or a model loads; a prompts
file that cannot be read is refused before anything is written. A killed run keeps its finished
captures in the activation cache; re-running the same command resumes there (the run directory's
outputs are replaced, its claim kept).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_choice
from semphys.experiments.base import Command, Log, quiet
from semphys.experiments.phase.readout_models import ModelReadout, build_items, run_models
from semphys.experiments.phase.readout_results import SCHEMA
from semphys.lm import capture_residuals, check_model_spec, model_layers
from semphys.phase.config import CORRECTIONS, MODES, variant_name
from semphys.phase.potential import BimodalityConfig
from semphys.phase.readout.items import PARTS_OF_SPEECH, ReadoutItems

COMMAND = Command("phase readout", SCHEMA, ("readout.json", "readout.parquet", "*.png", "report.html"))


@dataclass(frozen=True)
class ReadoutConfig:
    """Every setting of `semphys phase readout` (spec 001 §実験1, experiment 1, and §発展実験 A, future experiment A)."""

    models: tuple[str, ...] = ("embedded",)
    """Model specs for `semphys.lm.load_lm`."""
    out: Path | None = None
    """The run directory (`--out`); None: a config computed in memory only (a sweep job, a notebook)."""
    cache_root: Path | None | bool = None
    """The activation cache root: a directory, None (the default cache) or False (none, `--no-cache`)."""
    pos: tuple[str, ...] = ("n",)
    """WordNet parts of speech (`readout_items.PARTS_OF_SPEECH`)."""
    n_words: int | None = None
    """Usable words per part of speech (`--wordnet N`); None: all (`--all`)."""
    prompts: Path | None = None
    """`--prompts FILE` (the `semphys phase run --prompts` format) instead of WordNet: each word's two senses
    are its classes, the anchors give the `gloss` design's directions (the name is kept: for a prompts
    file its directions are the anchors), the prompts that declare a sense are the test items
    (`readout_prompts`). `pos` does not apply."""
    layers: tuple[int, ...] | None = None
    """`--layers`: the layer indices read, strictly ascending, at least two; None: every layer 0..L. The
    capture stops after the deepest; `final` mode takes its directions at the last chosen layer, and
    `peak_minus_output` compares the peak with the deepest chosen layer (L only when it is chosen)."""
    n_null: int = 200
    """Draws of each null (random directions, shuffled labels) per word."""
    n_null_pooled: int = 2000
    """Pooled null draws of the primary variant's findings, each taking one of every word's `n_null` draws
    (picked independently per word, `readout.pooled_null`): the floor 1 / (1 + 2000) leaves room for Holm
    over the document's findings, which 1 / (1 + 200) does not. Other variants pool draw b of every word."""
    n_bootstrap: int = 1000
    """Word resamples of the 95% intervals."""
    seed: int = 0
    primary_mode: str = "per-layer"
    """The direction mode of the headline table and the potential (spec exp. 1 uses `final`)."""
    primary_correction: str = "standardised"
    """The anisotropy correction of the headline table and the potential (`anisotropy`)."""
    potential_bins: int = 41
    """Histogram bins of sigma for V(sigma, l), over [-max|sigma|, max|sigma|]."""
    n_bimodal_null: int = 200
    """Shuffled-label draws of the bimodality null (each refits every mixture), joint over words and layers."""
    bimodality: BimodalityConfig = field(default_factory=BimodalityConfig)
    device: str = "cpu"
    capture_chunk: int = 256
    """Prompts per `capture_residuals` call; each chunk is cached before the next starts."""

    @property
    def primary_variant(self) -> str:
        return variant_name(self.primary_mode, self.primary_correction)

    def validate(self) -> None:
        """`UserError` naming the option for any bad value, then `--out`'s refusals (before any work)."""
        self.validate_settings()
        if self.out is not None:
            COMMAND.check(self.out, self.fingerprint())
        if self.prompts is not None:
            build_items(self)  # a prompts file that cannot be read is refused before the directory is claimed

    def validate_settings(self) -> None:
        """`UserError` naming the option for any bad setting (what a sweep's readout block is checked by)."""
        if not self.models:
            raise UserError("no model given: pass at least one --model")
        for tag in self.pos:
            require_choice("--pos", tag, PARTS_OF_SPEECH)
        if not self.pos:
            raise UserError("--pos is empty: give n, v or a (comma-separated)")
        if self.n_words is not None:
            require_at_least("--wordnet", self.n_words, 1)
            if self.prompts is not None:
                raise UserError("give --prompts FILE or --wordnet N, not both")
        require_at_least("--null", self.n_null, 20)
        require_at_least("--bootstrap", self.n_bootstrap, 100)
        require_at_least("--bimodal-null", self.n_bimodal_null, 1)
        require_at_least("--null-pooled", self.n_null_pooled, 100)
        require_choice("--mode", self.primary_mode, MODES)
        require_choice("--correction", self.primary_correction, CORRECTIONS)
        for spec in self.models:
            if self.layers is None:
                check_model_spec(spec)
                continue
            n_layers = model_layers(spec)  # the config only: no weights load before the refusal
            beyond = [layer for layer in self.layers if layer > n_layers]
            if beyond:
                raise UserError(f"--layers {beyond[0]}: {spec} has layers 0..{n_layers}")
        if self.layers is not None:  # after the models: `--layers 7` on minilm first hears that 7 is beyond it
            _check_layer_list(self.layers)

    def fingerprint(self) -> dict:
        """What decides the results (not where they are written, the cache or the device). `prompts` and `layers` enter only when set, so
        run directories of the default (WordNet, all layers) keep the fingerprint they had before them."""
        fields = asdict(self)
        for name in ("out", "cache_root", "device", "capture_chunk"):
            fields.pop(name)
        for name in ("prompts", "layers"):
            if fields[name] is None:
                fields.pop(name)
        if "prompts" in fields:
            fields["prompts"] = str(fields["prompts"])
        return fields


def _check_layer_list(layers: tuple[int, ...]) -> None:
    """At least two non-negative layer indices, strictly ascending (the CLI sorts and de-duplicates)."""
    if len(layers) < 2:
        raise UserError(f"--layers needs at least two layers, got {list(layers)}")
    if layers[0] < 0:
        raise UserError(f"--layers {layers[0]}: layer indices start at 0 (the embeddings)")
    if any(b <= a for a, b in zip(layers, layers[1:])):
        raise UserError(f"--layers {list(layers)}: give each layer once, in ascending order")


@dataclass
class ReadoutResult:
    """The readout of every model: readout.json's document, and the per-item rows of readout.parquet."""

    config: ReadoutConfig
    items: ReadoutItems
    models: list[ModelReadout]
    document: dict
    """The readout.json document (`readout_results.readout_document`)."""

    def save(self, out: Path) -> Path:
        """Write readout.json (schema-checked), readout.parquet, the figures and report.html; returns the report's path."""
        from semphys.evidence import check_document
        from semphys.experiments.phase.readout_report import write_report
        from semphys.experiments.phase.readout_results import SCHEMA_FILE, write_results

        out = COMMAND.claim(out, self.config.fingerprint())
        check_document(self.document, SCHEMA_FILE)
        write_results(out, self.document, self.models)
        return write_report(self.document, out)


def run(
    config: ReadoutConfig, log: Log = quiet, work: Path | None = None, capture: Callable = capture_residuals
) -> ReadoutResult:
    """The readout in memory (the activation cache, `config.cache_root`, is what a killed run resumes from)."""
    from semphys.experiments.phase.readout_results import readout_document

    items = build_items(config)
    log(
        f"{len(items.words)} words ({sum(len(w.items()) for w in items.words)} items), "
        f"{len(items.skipped)} candidates skipped"
        + (
            f", {len(items.unscored)} prompts not scored (no declared sense, or an anchor's text)"
            if items.unscored
            else ""
        )
    )
    runs = run_models(items, config, config.cache_root, log, capture)
    return ReadoutResult(config, items, runs, readout_document(items, runs, config))
