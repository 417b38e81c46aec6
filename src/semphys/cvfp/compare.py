"""`semphys cvfp compare`: one CVFP run per seed (train + eval), its baselines, and claims paired by seed.

Each seed is an ordinary `semphys cvfp train` + `eval` run in `OUT/seed<k>/` (Phase 1 and the baselines
from seed k, Phase 2 from k + 1, as the command sets them), so an interrupted comparison resumes run
by run. The first seed is trained a second time in `OUT/seed<k>-repeat/`: its perplexity against the
first run's is the determinism check, set beside two different seeds' difference
(`semphys.cvfp.claims`). `OUT/compare.json` (schema `COMPARE_SCHEMA`, `compare.schema.json`) holds the
per-seed headline figures, the claims and what the number of seeds allows (`seed_floor`).
"""

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import clean, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.validate import require_at_least
from semphys.cvfp.claims import cvfp_claims
from semphys.cvfp.config import RunConfig, quick_config
from semphys.cvfp.model import CVFPConfig
from semphys.cvfp.run import EvalConfig, evaluate_run, train_run
from semphys.evidence import seed_floor

COMPARE_SCHEMA = "semphys.cvfp.compare/1"
"""Version of compare.json (`compare.schema.json` beside this module)."""
PER_SEED = ("seed", "val_ppl", "baselines", "identity_cos", "token_cos_distance", "token_variance_share",
            "converged_ratio", "parallel_speedup", "collapsed")
"""The eval.json figures compare.json keeps per seed."""


def with_seed(config: RunConfig, seed: int) -> RunConfig:
    """`config` with Phase 1 and the baselines seeded by `seed` and Phase 2 by seed + 1 (as `cvfp train --seed`)."""
    return dataclasses.replace(config, phase1=dataclasses.replace(config.phase1, seed=seed),
                               phase2=dataclasses.replace(config.phase2, seed=seed + 1),
                               baselines=dataclasses.replace(config.baselines, seed=seed))


def demo_config() -> RunConfig:
    """The demo's predictive run (`semphys.demo.cvfp`): context 64, embedding 32, 300 + 100 steps, baselines 400."""
    base = quick_config()
    return dataclasses.replace(base, model=CVFPConfig(context_dim=64, embed_dim=32, hidden_dim=96),
                               phase1=dataclasses.replace(base.phase1, steps=300),
                               phase2=dataclasses.replace(base.phase2, steps=100),
                               baselines=dataclasses.replace(base.baselines, steps=400))


@dataclass(frozen=True)
class CVFPCompareConfig:
    """A multi-seed comparison: the run every seed repeats, the seeds, the evaluation and the repeated seed."""

    run: RunConfig = field(default_factory=quick_config)
    """The run of each seed (its seeds are replaced by `with_seed`)."""
    seeds: tuple[int, ...] = tuple(range(8))
    """Seeds; with n seeds no paired p goes below 1/2^n (8: 1/256)."""
    evaluation: EvalConfig = field(default_factory=EvalConfig)
    repeat: bool = True
    """Train the first seed twice (the determinism check)."""

    def __post_init__(self) -> None:
        if not self.seeds:
            raise UserError("give at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise UserError(f"seeds {', '.join(map(str, self.seeds))} repeat a value; give each once")
        for seed in self.seeds:
            require_at_least("seed", seed, 0)
        if self.run.method != "predictive":
            raise UserError(f"the comparison trains the predictive Phase 1 against its baselines, not {self.run.method!r}")


def _one(config: RunConfig, out: Path, evaluation: EvalConfig, seed: int, progress: bool) -> dict:
    train_run(with_seed(config, seed), out, progress=progress, with_baselines=True)
    result = evaluate_run(out, evaluation)
    return {"seed": seed, **{k: result[k] for k in PER_SEED if k != "seed"}}


def run_compare(config: CVFPCompareConfig, out_dir: Path, progress: bool = False) -> dict:
    """Every seed's run into `out_dir` (finished runs resume), the repeat, the claims; compare.json."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in config.seeds:
        runs.append(_one(config.run, out_dir / f"seed{seed}", config.evaluation, seed, progress))
        print(f"cvfp seed {seed}: val ppl {runs[-1]['val_ppl']:.2f}", file=sys.stderr, flush=True)
    repeat = None
    if config.repeat:
        seed = config.seeds[0]
        repeat = _one(config.run, out_dir / f"seed{seed}-repeat", config.evaluation, seed, progress)
    claims = cvfp_claims(runs, repeat)
    document = {"schema": COMPARE_SCHEMA, "config": clean(dataclasses.asdict(config)), "runs": runs, "repeat": repeat,
                "claims": [c.to_dict() for c in claims], "seed_floor": seed_floor(claims, len(config.seeds)),
                "provenance": collect_provenance()}
    write_text_atomic(out_dir / "compare.json", to_json(document, indent=2))
    return clean(document)
