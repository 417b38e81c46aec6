"""`semphys cvfp compare`: one CVFP run per seed (train + eval), its baselines, and claims paired by seed.

Each seed is an ordinary `semphys cvfp train` + `eval` run in `OUT/seed<k>/` (Phase 1 and the baselines
from seed k, Phase 2 from k + 1, as the command sets them), so an interrupted comparison resumes run
by run. The first seed is trained a second time in `OUT/seed<k>-repeat/`: its perplexity against the
first run's is the determinism check, set beside two different seeds' difference
(`semphys.cvfp.claims`). `OUT/compare.json` (`COMMAND.schema`, `compare.schema.json` beside this module)
holds the per-seed headline figures, the claims and what the number of seeds allows (`seed_floor`). Without
a work directory (a notebook's `run(config)`) the seeds' runs go to a temporary directory.
"""

import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import clean, schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.validate import require_at_least
from semphys.cvfp.claims import cvfp_claims
from semphys.cvfp.config import RunConfig, quick_config
from semphys.cvfp.model import CVFPConfig
from semphys.evidence import check_document, seed_floor
from semphys.experiments.base import Command, Log, execute, quiet
from semphys.experiments.cvfp import eval as cvfp_eval
from semphys.experiments.cvfp import train as cvfp_train
from semphys.experiments.cvfp.eval import Measurement

COMMAND = Command("cvfp compare", "semphys.cvfp.compare/1", ("compare.json",))
"""The seeds' run directories inside OUT are `cvfp train` runs of their own; a re-run resumes them."""
SCHEMA_FILE = schema_path(__file__, "compare")
PER_SEED = (
    "seed",
    "val_ppl",
    "baselines",
    "identity_cos",
    "token_cos_distance",
    "token_variance_share",
    "converged_ratio",
    "parallel_speedup",
    "collapsed",
)
"""The eval.json figures compare.json keeps per seed."""


def with_seed(config: RunConfig, seed: int) -> RunConfig:
    """`config` with Phase 1 and the baselines seeded by `seed` and Phase 2 by seed + 1 (as `cvfp train --seed`)."""
    return dataclasses.replace(
        config,
        phase1=dataclasses.replace(config.phase1, seed=seed),
        phase2=dataclasses.replace(config.phase2, seed=seed + 1),
        baselines=dataclasses.replace(config.baselines, seed=seed),
    )


def demo_config() -> RunConfig:
    """The demo's predictive run (`semphys.experiments.demo.cvfp`): context 64, embedding 32, 300 + 100 steps, baselines 400."""
    base = quick_config()
    return dataclasses.replace(
        base,
        model=CVFPConfig(context_dim=64, embed_dim=32, hidden_dim=96),
        phase1=dataclasses.replace(base.phase1, steps=300),
        phase2=dataclasses.replace(base.phase2, steps=100),
        baselines=dataclasses.replace(base.baselines, steps=400),
    )


@dataclass(frozen=True)
class CVFPCompareConfig:
    """A multi-seed comparison: the run every seed repeats, the seeds, the evaluation and the repeated seed."""

    out: Path
    """compare.json and one run directory per seed (seed<k>/, seed<k>-repeat/)."""
    run: RunConfig = field(default_factory=quick_config)
    """The run of each seed (its seeds are replaced by `with_seed`)."""
    seeds: tuple[int, ...] = tuple(range(8))
    """Seeds; with n seeds no paired p goes below 1/2^n (8: 1/256)."""
    evaluation: Measurement = field(default_factory=Measurement)
    """What each seed's evaluation measures."""
    repeat: bool = True
    """Train the first seed twice (the determinism check)."""
    progress: bool = False
    """Progress bars of every training on stderr."""

    def fingerprint(self) -> dict:
        """What OUT is claimed for: every field but `out` and `progress`, as compare.json's `config`."""
        return clean({k: v for k, v in dataclasses.asdict(self).items() if k not in ("out", "progress")})

    def validate(self) -> None:
        """Checked when made (`__post_init__`)."""

    def __post_init__(self) -> None:
        if not self.seeds:
            raise UserError("give at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise UserError(f"seeds {', '.join(map(str, self.seeds))} repeat a value; give each once")
        for seed in self.seeds:
            require_at_least("seed", seed, 0)
        if self.run.method != "predictive":
            raise UserError(
                f"the comparison trains the predictive Phase 1 against its baselines, not {self.run.method!r}"
            )


def _one(config: CVFPCompareConfig, out: Path, seed: int, log: Log) -> dict:
    train = cvfp_train.TrainConfig(out, with_seed(config.run, seed), baselines=True, progress=config.progress)
    execute(cvfp_train.COMMAND, train, cvfp_train.run, log=log)
    evaluation = cvfp_eval.EvalConfig(out, config.evaluation)
    evaluated = cvfp_eval.run(evaluation, log=log)
    evaluated.save(out)
    return {"seed": seed, **{k: evaluated.document[k] for k in PER_SEED if k != "seed"}}


@dataclass
class CompareResult:
    """compare.json's document."""

    config: CVFPCompareConfig
    document: dict

    def save(self, out: Path) -> Path:
        """compare.json in `out` (claimed here; the seeds' runs are already there when `execute` ran it)."""
        out = COMMAND.claim(out, self.config.fingerprint())
        check_document(self.document, SCHEMA_FILE)
        write_text_atomic(out / "compare.json", to_json(self.document, indent=2))
        return out


def run(config: CVFPCompareConfig, log: Log = quiet, work: Path | None = None) -> CompareResult:
    """Every seed's run (train + eval) into `work` (finished runs resume), the repeat, the claims."""
    if work is None:
        with tempfile.TemporaryDirectory() as scratch:
            return _compare(config, Path(scratch), log)
    return _compare(config, Path(work), log)


def _compare(config: CVFPCompareConfig, work: Path, log: Log) -> CompareResult:
    runs = []
    for seed in config.seeds:
        runs.append(_one(config, work / f"seed{seed}", seed, log))
        log(f"cvfp seed {seed}: val ppl {runs[-1]['val_ppl']:.2f}")
    repeat = None
    if config.repeat:
        seed = config.seeds[0]
        repeat = _one(config, work / f"seed{seed}-repeat", seed, log)
    claims = cvfp_claims(runs, repeat)
    document = {
        "schema": COMMAND.schema,
        "config": config.fingerprint(),
        "runs": runs,
        "repeat": repeat,
        "claims": [c.to_dict() for c in claims],
        "seed_floor": seed_floor(claims, len(config.seeds)),
        "provenance": collect_provenance(),
    }
    return CompareResult(config, clean(document))
