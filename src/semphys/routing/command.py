"""`semphys routing compare` as a function: its options checked in one place, then the run (spec 003 §4).

`CompareOptions` holds the options as the user gave them (None: the preset's value).
`CompareOptions.config()` checks every one of them, naming the option, and builds the
`CompareConfig`; `compare(options)` does that first, then claims the run directory (refusing one
owned by another command or holding another config), and only then loads data and trains. So a bad
value costs nothing and leaves nothing behind.
"""

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.figures import save_figure
from semphys.core.jsondoc import to_json
from semphys.core.rundir import claim_run_dir
from semphys.core.validate import parse_list, require_at_least, require_positive
from semphys.routing.compare import RESULT_FILES, SCHEMA, CompareConfig, quick_compare, run_compare
from semphys.routing.report import claims_text, summary_table
from semphys.routing.variants import VARIANTS
from semphys.textlm.data import ORIGIN_NAMES

COMMAND = "routing compare"


@dataclass(frozen=True)
class CompareOptions:
    """The options of `semphys routing compare`; None means the preset's value (spec 003 §4 comparison)."""

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
    as_json: bool = False
    """Print results.json on stdout instead of the table."""

    def config(self) -> CompareConfig:
        """The comparison these options ask for; `UserError` naming the first bad option."""
        for name, value in (("--seeds", self.seeds), ("--steps", self.steps), ("--n-experts", self.n_experts),
                            ("--top-k", self.top_k)):
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
        changes = {"n_experts": n_experts, "top_k": top_k,
                   "capacity_factor": moe.capacity_factor if self.capacity_factor is None else self.capacity_factor}
        train = config.train if self.steps is None else dataclasses.replace(config.train, steps=self.steps)
        return dataclasses.replace(
            config, model=config.model.with_moe(**changes), train=train,
            threads=config.threads if self.threads is None else self.threads,
            variants=config.variants if variants is None else tuple(variants),
            seeds=config.seeds if self.seeds is None else tuple(range(self.seeds)))


def write_figures(result: dict, out: Path) -> list[str]:
    """The comparison's figures as PNG files in `out`; their names."""
    from semphys.routing.plots import compare_figures

    names = []
    for name, fig in compare_figures(result, list(ORIGIN_NAMES)).items():
        save_figure(fig, out / name, dpi=120)
        names.append(name)
    return names


def compare(options: CompareOptions) -> dict:
    """Check the options, claim `options.out`, run the comparison, print its table (stderr) or results.json
    (stdout, `--json`); returns the results document."""
    config = options.config()
    claim_run_dir(options.out, COMMAND, config, outputs=RESULT_FILES, document_schema=SCHEMA)
    result = run_compare(config, options.out, progress=True, figures=lambda doc: write_figures(doc, options.out))
    if options.as_json:
        sys.stdout.write(to_json(result))
    else:
        print(summary_table(result["summary"]), file=sys.stderr)
        print(claims_text(result), file=sys.stderr)
        print(Path(options.out) / "results.json")
    return result
