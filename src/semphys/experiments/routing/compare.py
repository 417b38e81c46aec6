"""`semphys routing compare`: every variant x every seed on the same tokens, results.json (semphys's test of the spec 003 §3 router against top-k routing).

`RoutingCompareConfig` holds the options as the user gave them (None: the preset's value); `validate()`
checks every one of them, naming the option, and `compare_config()` builds the library's
`CompareConfig` (`semphys.routing.compare`), whose JSON is the run's fingerprint. `run` trains and
measures each (variant, seed) with `train_and_measure`; with a claimed `work` directory each finished
run is recorded as `runs/<variant>_seed<k>.json` (sealed with a CRC-32; its checkpoint, also
checksummed, beside it), so an interrupted comparison resumes with the runs it lacks, and a damaged
record is measured again from its checkpoint. `CompareResult.save` writes the figures and
results.json (schema `COMMAND.schema`, `results.schema.json` beside this file), strict JSON: a figure
that does not exist for a run is `null`, and the document's `nulls` says which and why.

The claims pair variants by seed with an exact sign-flip test: with n seeds no p can go below 1/2^n,
which the document states under `seed_floor`.
"""

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.figures import save_figure
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import clean, is_intact, schema_path, sealed, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.threads import torch_threads
from semphys.core.validate import parse_list, require_at_least, require_positive
from semphys.evidence import check_document, seed_floor
from semphys.experiments.base import Command, Log, quiet
from semphys.routing.claims import routing_claims
from semphys.routing.compare import CompareConfig, quick_compare, summarise, train_and_measure
from semphys.routing.variants import VARIANTS
from semphys.textlm.data import ORIGIN_NAMES, load_text_data

COMMAND = Command("routing compare", "semphys.routing/3", ("results.json", "*.png"))
"""The command; results.json schema versions: 2: the model config nests the transformer as
`model.body`, and the Omega router's origin layer is `W_origin` (was `W_phase`, with the input called
origin phase). 3: `claims` (`evidence.Claim` rows, paired by seed) and `seed_floor`; the MI null
permutes origins between documents (was: between tokens), each run keeps its null draws
(`mi_null_draws`); 8 seeds by default (was 3)."""
RESULTS_SCHEMA = schema_path(__file__, "results")

NULLS = (
    "Routing figures (load_cv, load_entropy, dropped, mi_bits, mi_excess, mi_null_draws, sensitivity_*) are "
    "null for the dense variant, which has no router; tokens_per_second is null for a run whose training took no "
    "measurable time; a summary entry is null when no seed has the figure, and its std is null for one seed "
    "(a sample standard deviation needs two)."
)
"""Why a figure of results.json can be null (written into the document)."""


@dataclass(frozen=True)
class RoutingCompareConfig:
    """The options of `semphys routing compare`; None means the preset's value (the comparison with top-k routing, semphys's design)."""

    out: Path
    """Run directory: results.json, the figures, runs/ (an interrupted comparison there resumes)."""
    quick: bool = False
    """The `quick_compare` preset (300 steps, 2 seeds: no claim can hold, the report says why) instead of the
    full one (1,200 steps, 8 seeds)."""
    seeds: int | None = None
    """Seeds 0 .. seeds - 1 per variant."""
    variants: str | None = None
    """Comma-separated subset of `VARIANTS`, as typed."""
    steps: int | None = None
    """Training steps per run."""
    n_experts: int | None = None
    """Experts per MoE layer."""
    top_k: int | None = None
    """Experts per token."""
    capacity_factor: float | None = None
    """Expert capacity: ceil(capacity_factor N top_k / n_experts) assignments."""
    threads: int | None = None
    """torch threads."""
    progress: bool = True
    """Show a progress bar per run on stderr (not part of the fingerprint)."""

    def validate(self) -> None:
        """`UserError` naming the first bad option (nothing is loaded or written)."""
        self.compare_config()

    def fingerprint(self) -> dict:
        """The comparison these options ask for, as JSON: what decides the result."""
        return clean(self.compare_config())

    def compare_config(self) -> CompareConfig:
        """The comparison these options ask for; `UserError` naming the first bad option."""
        for name, value in (
            ("--seeds", self.seeds),
            ("--steps", self.steps),
            ("--n-experts", self.n_experts),
            ("--top-k", self.top_k),
        ):
            if value is not None:
                require_at_least(name, value, 1)
        if self.capacity_factor is not None:
            require_positive("--capacity-factor", self.capacity_factor)
        if self.threads is not None:
            require_at_least("--threads", self.threads, 1)
        variants = parse_list(self.variants, "--variants", allowed=VARIANTS)
        config = quick_compare() if self.quick else CompareConfig()
        moe = config.model.moe
        n_experts = moe.n_experts if self.n_experts is None else self.n_experts
        top_k = moe.top_k if self.top_k is None else self.top_k
        if n_experts < top_k:
            raise UserError(f"--n-experts ({n_experts}) must be at least --top-k ({top_k})")
        changes = {
            "n_experts": n_experts,
            "top_k": top_k,
            "capacity_factor": moe.capacity_factor if self.capacity_factor is None else self.capacity_factor,
        }
        train = config.train if self.steps is None else dataclasses.replace(config.train, steps=self.steps)
        return dataclasses.replace(
            config,
            model=config.model.with_moe(**changes),
            train=train,
            threads=config.threads if self.threads is None else self.threads,
            variants=config.variants if variants is None else tuple(variants),
            seeds=config.seeds if self.seeds is None else tuple(range(self.seeds)),
        )


@dataclass
class CompareResult:
    """A finished comparison: results.json's document, without its `files` (`save` adds them)."""

    config: RoutingCompareConfig
    document: dict
    """schema, config, summary, claims, seed_floor, runs, nulls, provenance (see `results.schema.json`)."""

    def save(self, out: Path) -> Path:
        """Claim `out`, write the figures and results.json (schema-checked); the path of results.json."""
        out = COMMAND.claim(out, self.config.fingerprint())
        document = dict(self.document)
        document["files"] = ["results.json", *write_figures(document, out)]
        check_document(clean(document), RESULTS_SCHEMA)
        path = out / "results.json"
        write_text_atomic(path, to_json(document))
        self.document = clean(document)
        return path


def write_figures(document: dict, out: Path) -> list[str]:
    """The comparison's figures as PNG files in `out`; their names."""
    from semphys.experiments.routing.plots import compare_figures

    names = []
    for name, fig in compare_figures(document, list(ORIGIN_NAMES)).items():
        save_figure(fig, out / name, dpi=120)
        names.append(name)
    return names


def run(config: RoutingCompareConfig, log: Log = quiet, work: Path | None = None) -> CompareResult:
    """Every (variant, seed) of the options' comparison; with `work`, finished runs there are reused."""
    return CompareResult(config, compare_runs(config.compare_config(), log, work, progress=config.progress))


def compare_runs(config: CompareConfig, log: Log = quiet, work: Path | None = None, progress: bool = False) -> dict:
    """results.json's document (without `files`) for `config`; each run is recorded under `work`/runs when
    given (and reused from there), else kept in memory only."""
    runs_dir = None if work is None else Path(work) / "runs"
    if runs_dir is not None:
        runs_dir.mkdir(parents=True, exist_ok=True)
    config_json = clean(config)
    runs = []
    with torch_threads(config.threads):
        data = load_text_data(config.data)
        for seed in config.seeds:
            for variant in config.variants:
                stem = None if runs_dir is None else runs_dir / f"{variant}_seed{seed}"
                if stem is not None:
                    saved = _finished_run(stem.with_suffix(".json"), log)
                    if saved is not None:
                        if saved.get("config") != config_json:
                            raise UserError(
                                f"{stem.with_suffix('.json')} belongs to a comparison with another "
                                "config: use another --out"
                            )
                        runs.append(saved["run"])
                        continue
                measured = train_and_measure(
                    variant, seed, config, data, None if stem is None else stem.with_suffix(".safetensors"), progress
                )
                if stem is not None:
                    write_text_atomic(
                        stem.with_suffix(".json"),
                        to_json(sealed({"config": config_json, "run": measured}), indent=None),
                    )
                speed = (
                    "" if measured["tokens_per_second"] is None else f", {measured['tokens_per_second']:.0f} tokens/s"
                )
                log(f"{variant} seed {seed}: val ppl {measured['val_ppl']:.1f}{speed}")
                runs.append(measured)
    claims = routing_claims(runs)
    return clean(
        {
            "schema": COMMAND.schema,
            "config": config_json,
            "summary": summarise(runs, config.variants),
            "claims": [claim.to_dict() for claim in claims],
            "seed_floor": seed_floor(claims, len(config.seeds)),
            "runs": runs,
            "nulls": NULLS,
            "provenance": collect_provenance(),
        }
    )


def _finished_run(path: Path, log: Log) -> dict | None:
    """The saved `{"config", "run"}` of a finished run; None when absent, unreadable or not intact (its
    CRC-32 does not match: `semphys.core.jsondoc.sealed`). The run is then measured again from its final
    checkpoint, which `fit` resumes without training."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        saved = None
    if not is_intact(saved) or not isinstance(saved.get("run"), dict):
        log(f"{path} is damaged: measuring that run again from its checkpoint")
        return None
    return saved
