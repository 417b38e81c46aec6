"""`semphys langevin generate`: text from the melt / guide / crystallise cycle of spec 000 §4.4, and its log.

`GenerateConfig` holds the options (the dynamics of one step are a `TokenDynamics`, validated on
construction); `GenerateConfig.validate` checks the rest before the model loads; `run` loads the
model and generates with every decoder (`semphys.langevin.decoding.comparison.compare_decoders`);
`GenerateResult.save` writes OUT/generation.json (schema `semphys.langevin.generate/1`,
generate.schema.json beside this module):

    schema, config {model, prompts, n_tokens, top_k, samples, seed, steer, steer_token_ids, decoders},
    metrics [per decoder: repetition rate, distinct-1/2, perplexity, mean q and rank, seconds],
    seconds (the whole run), generations [{decoder, prompt, text, steps: [per-step log]}], versions
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.validate import require_at_least
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.langevin.decoding.comparison import Comparison, compare_decoders
from semphys.langevin.decoding.coupling import TokenDynamics
from semphys.langevin.decoding.decoders import Greedy, LangevinDecoder, TopKSampling, steering_token_ids
from semphys.lm import check_model_spec, load_lm

COMMAND = Command("langevin generate", "semphys.langevin.generate/1", ("generation.json",))
SCHEMA_FILE = schema_path(__file__, "generate")


@dataclass(frozen=True)
class GenerateConfig:
    """Every option of `semphys langevin generate` but the per-step dynamics."""

    prompts: tuple[str, ...]
    """Texts to continue."""
    dynamics: TokenDynamics
    """The dynamics of one token step (spec 000 §4.4's melt / guide / crystallise cycle)."""
    model: str = "embedded"
    """Causal model: `embedded`, a local directory or a hub id."""
    n_tokens: int = 24
    """Tokens to generate per prompt."""
    top_k: int = 16
    """Candidates per step: the sphere is S^(k-1)."""
    samples: int = 1
    """Generations per prompt and decoder."""
    seed: int = 0
    """Seed of the dynamics and the sampling."""
    steer: str | None = None
    """Steering text: its tokens attract the particle (U_perturb, spec 000 §4.1)."""
    compare: bool = False
    """Also run greedy and sampling at T = 0.7 and 1."""
    out: Path | None = None
    """Run directory for generation.json (None: print only)."""

    def validate(self) -> None:
        """Every refusal before the model loads: prompts, counts, steering text, the model, `out`."""
        if not self.prompts or any(not prompt for prompt in self.prompts):
            raise UserError("--prompt must be a non-empty text; give at least one")
        require_at_least("--n-tokens", self.n_tokens, 1)
        require_at_least("--samples", self.samples, 1)
        require_at_least("--top-k", self.top_k, 2)
        if self.steer is not None and not self.steer.split():
            raise UserError("--steer is empty: give some words, or leave it out")
        check_model_spec(self.model)
        if self.out is not None:
            COMMAND.check(self.out, self.fingerprint())

    def fingerprint(self) -> dict:
        """The fields that decide the result (all but `out`)."""
        return {
            "prompts": list(self.prompts),
            "dynamics": self.dynamics.to_dict(),
            "model": self.model,
            "n_tokens": self.n_tokens,
            "top_k": self.top_k,
            "samples": self.samples,
            "seed": self.seed,
            "steer": self.steer,
            "compare": self.compare,
        }


@dataclass
class GenerateResult:
    """The generations, their metrics and the document that records them."""

    config: GenerateConfig
    comparison: Comparison
    """Every generation with its per-step log, and one metrics row per decoder."""
    document: dict
    """generation.json without versions (what `--json` prints)."""

    def save(self, out: Path) -> Path:
        """Write OUT/generation.json (the document and versions); returns its path."""
        out = COMMAND.claim(out, self.config.fingerprint())
        document = {**self.document, **collect_provenance()}
        check_document(document, SCHEMA_FILE)
        return write_text_atomic(out / "generation.json", to_json(document))


def run(config: GenerateConfig, log: Log = quiet, work: Path | None = None) -> GenerateResult:
    """Load the model and generate with the Langevin decoder (and, comparing, greedy and sampling); `work` is
    unused (nothing to resume)."""
    lm = load_lm(config.model)
    steer_ids = steering_token_ids(lm.tokenizer, config.steer) if config.steer else []
    decoders = [LangevinDecoder(config.dynamics, name="langevin", steer_token_ids=steer_ids)]
    if config.compare:
        decoders = [Greedy(), TopKSampling(0.7), TopKSampling(1.0), *decoders]
    prompts: Sequence[str] = list(config.prompts)
    result = compare_decoders(
        lm,
        prompts,
        decoders,
        n_tokens=config.n_tokens,
        top_k=config.top_k,
        samples=config.samples,
        seed=config.seed,
        progress=lambda i, p: log(f"prompt {i + 1}/{len(prompts)}: {p!r}"),
    )
    document = {
        "schema": COMMAND.schema,
        "config": {
            "model": config.model,
            "prompts": prompts,
            "n_tokens": config.n_tokens,
            "top_k": config.top_k,
            "samples": config.samples,
            "seed": config.seed,
            "steer": config.steer,
            "steer_token_ids": steer_ids,
            "decoders": [d.describe() for d in decoders],
        },
        "metrics": result.rows,
        "seconds": result.seconds,
        "generations": [g.__dict__ for g in result.generations],
    }
    return GenerateResult(config, result, document)


def generations_text(result: Comparison, with_metrics: bool) -> str:
    """Every generation as `[decoder] prompt + text`, then (when comparing) one metrics row per decoder."""
    lines = [f"[{g.decoder}] {g.prompt}{g.text}" for g in result.generations]
    if with_metrics and result.rows:
        keys = list(result.rows[0])
        lines.append("")
        lines.append("  ".join(f"{k:>14s}" if k != "decoder" else f"{k:24s}" for k in keys))
        for row in result.rows:
            lines.append("  ".join(f"{row[k]:24s}" if k == "decoder" else f"{row[k]:14.4g}" for k in keys))
    return "\n".join(lines)
