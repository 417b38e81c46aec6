"""`semphys langevin generate`: text from the melt / guide / crystallise cycle of spec 000 §4.4, and its log.

`GenerateConfig` holds the options (the dynamics of one step are a `TokenDynamics`, validated on
construction); `GenerateConfig.validate` checks the rest before the model loads; `run_generate`
loads the model, generates with every decoder and returns the document, which it also writes to
`OUT/generation.json` (schema `semphys.langevin.generate/1`) when `out` is given:

    schema, config {model, prompts, n_tokens, top_k, samples, seed, steer, steer_token_ids, decoders},
    metrics [per decoder: repetition rate, distinct-1/2, perplexity, mean q and rank, seconds],
    seconds (the whole run), generations [{decoder, prompt, text, steps: [per-step log]}], versions
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import to_json
from semphys.core.provenance import collect_provenance
from semphys.core.rundir import check_run_dir, claim_run_dir
from semphys.core.validate import require_at_least
from semphys.langevin.decoding.comparison import Comparison, compare_decoders
from semphys.langevin.decoding.coupling import TokenDynamics
from semphys.langevin.decoding.decoders import Greedy, LangevinDecoder, TopKSampling, steering_token_ids
from semphys.lm import check_model_spec, load_lm

COMMAND = "langevin generate"
SCHEMA = "semphys.langevin.generate/1"


@dataclass(frozen=True)
class GenerateConfig:
    """Every option of `semphys langevin generate` but the per-step dynamics."""

    prompts: tuple[str, ...]
    dynamics: TokenDynamics
    model: str = "embedded"
    n_tokens: int = 24
    top_k: int = 16
    """Candidates per step: the sphere is S^(k-1)."""
    samples: int = 1
    seed: int = 0
    steer: str | None = None
    """Steering text: its tokens attract the particle (U_perturb, spec 000 §4.1)."""
    compare: bool = False
    """Also run greedy and sampling at T = 0.7 and 1."""
    out: Path | None = None

    def validate(self) -> None:
        if not self.prompts or any(not prompt for prompt in self.prompts):
            raise UserError("--prompt must be a non-empty text; give at least one")
        require_at_least("--n-tokens", self.n_tokens, 1)
        require_at_least("--samples", self.samples, 1)
        require_at_least("--top-k", self.top_k, 2)
        if self.steer is not None and not self.steer.split():
            raise UserError("--steer is empty: give some words, or leave it out")
        check_model_spec(self.model)
        if self.out is not None:
            check_run_dir(self.out, COMMAND, self.fingerprint())

    def fingerprint(self) -> dict:
        return {"prompts": list(self.prompts), "dynamics": self.dynamics.to_dict(), "model": self.model,
                "n_tokens": self.n_tokens, "top_k": self.top_k, "samples": self.samples, "seed": self.seed,
                "steer": self.steer, "compare": self.compare}


def run_generate(config: GenerateConfig, say: Callable[[str], None]) -> tuple[dict, Comparison]:
    """Validate, load, generate; write OUT/generation.json when `out` is set. Returns (document, comparison)."""
    config.validate()
    lm = load_lm(config.model)
    steer_ids = steering_token_ids(lm.tokenizer, config.steer) if config.steer else []
    decoders = [LangevinDecoder(config.dynamics, name="langevin", steer_token_ids=steer_ids)]
    if config.compare:
        decoders = [Greedy(), TopKSampling(0.7), TopKSampling(1.0), *decoders]
    prompts: Sequence[str] = list(config.prompts)
    result = compare_decoders(lm, prompts, decoders, n_tokens=config.n_tokens, top_k=config.top_k,
                              samples=config.samples, seed=config.seed,
                              progress=lambda i, p: say(f"prompt {i + 1}/{len(prompts)}: {p!r}"))
    document = {
        "schema": SCHEMA,
        "config": {"model": config.model, "prompts": prompts, "n_tokens": config.n_tokens, "top_k": config.top_k,
                   "samples": config.samples, "seed": config.seed, "steer": config.steer,
                   "steer_token_ids": steer_ids, "decoders": [d.describe() for d in decoders]},
        "metrics": result.rows,
        "seconds": result.seconds,
        "generations": [g.__dict__ for g in result.generations],
    }
    if config.out is not None:
        out = claim_run_dir(config.out, COMMAND, config.fingerprint(), outputs=("generation.json",),
                            document_schema=SCHEMA).path
        say(f"wrote {write_text_atomic(out / 'generation.json', to_json({**document, **collect_provenance()}))}")
    return document, result
