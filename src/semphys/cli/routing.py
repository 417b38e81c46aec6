"""`semphys routing compare`: spec 003's Omega router against standard MoE routing, on real text."""

import dataclasses
import json
import sys
from pathlib import Path

import typer

app = typer.Typer(help="Omega router (spec 003) vs softmax top-k routing in a small MoE transformer LM, "
                       "at equal active parameters and tokens, over several seeds.", no_args_is_help=True)

_COLUMNS = (("val_ppl", "val ppl", ".1f"), ("load_cv", "load CV", ".3f"), ("load_entropy", "load H", ".3f"),
            ("dropped", "dropped", ".3f"), ("mi_bits", "MI bits", ".3f"), ("mi_excess", "MI-null", ".3f"),
            ("sensitivity_token_at", "sens tok@", ".3f"), ("sensitivity_token_after", "sens tok>", ".3f"),
            ("sensitivity_origin", "sens origin", ".3f"))


def _cell(entry: dict | None, fmt: str) -> str:
    if entry is None:
        return "n/a"
    return f"{entry['mean']:{fmt}}±{entry['std']:{fmt}}"


@app.command()
def compare(
    out: Path = typer.Option(..., "--out", "-o", help="Directory for results.json, the figures and runs/ "
                             "(an interrupted comparison there resumes)."),
    quick: bool = typer.Option(False, "--quick", help="300 steps per run, 20k validation tokens (about 4 minutes "
                               "for 2 seeds on 2 idle cores)."),
    seeds: int | None = typer.Option(None, "--seeds", help="Seeds per variant (default 3; 2 with --quick)."),
    variants: str | None = typer.Option(None, "--variants", help="Comma-separated subset of: dense, softmax, "
                                        "softmax_origin, omega, omega_no_sin, omega_no_origin, omega_shuffled, omega_matched."),
    steps: int | None = typer.Option(None, "--steps", help="Training steps per run (default 1200; 300 with --quick)."),
    n_experts: int | None = typer.Option(None, "--n-experts", help="Experts per MoE layer (default 8)."),
    top_k: int | None = typer.Option(None, "--top-k", help="Experts per token (default 2)."),
    capacity_factor: float | None = typer.Option(None, "--capacity-factor", help="Expert capacity factor (1.25)."),
    threads: int = typer.Option(1, "--threads", help="torch threads (1 is fastest for these small models here)."),
    as_json: bool = typer.Option(False, "--json", help="Print the per-variant summary as one JSON document on stdout."),
) -> None:
    """Train every variant for every seed on the same tokens; report perplexity, expert load CV and entropy,
    dropped tokens, MI(origin; expert), weak-stimulus sensitivity, with mean and spread over seeds.

    Writes OUT/results.json (schema in the README), OUT/loss_curves.png, OUT/expert_load.png,
    OUT/origin_expert.png and one checkpoint + JSON per run under OUT/runs/.
    """
    from semphys.errors import UserError
    from semphys.io import atomic_path
    from semphys.routing.compare import CompareConfig, quick_compare, run_compare
    from semphys.routing.plots import compare_figures
    from semphys.textlm.data import ORIGIN_NAMES

    config = quick_compare(seeds or 2) if quick else CompareConfig()
    if seeds is not None:
        if seeds < 1:
            raise UserError(f"--seeds must be at least 1, got {seeds}")
        config = dataclasses.replace(config, seeds=tuple(range(seeds)))
    if variants is not None:
        config = dataclasses.replace(config, variants=tuple(v.strip() for v in variants.split(",") if v.strip()))
    if steps is not None:
        config = dataclasses.replace(config, train=dataclasses.replace(config.train, steps=steps))
    model_changes = {k: v for k, v in (("n_experts", n_experts), ("top_k", top_k),
                                       ("capacity_factor", capacity_factor)) if v is not None}
    moe = dataclasses.replace(config.model.moe, **model_changes)
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, moe=moe), threads=threads)

    def figures(result: dict) -> list[str]:
        names = []
        for name, fig in compare_figures(result, list(ORIGIN_NAMES)).items():
            with atomic_path(out / name) as tmp:
                fig.savefig(tmp, dpi=120, format="png")
            names.append(name)
        return names

    result = run_compare(config, out, progress=True, figures=figures)
    summary = result["summary"]
    if as_json:
        print(json.dumps({"out": str(out), "seeds": list(config.seeds), "summary": summary}, indent=2))
        return
    header = f"{'variant':<16} {'params act/total':>17} " + " ".join(f"{title:>15}" for _, title, _ in _COLUMNS)
    print(header, file=sys.stderr)
    for variant, entry in summary.items():
        params = f"{entry['params_active']}/{entry['params_total']}"
        print(f"{variant:<16} {params:>17} " + " ".join(f"{_cell(entry[key], fmt):>15}" for key, _, fmt in _COLUMNS),
              file=sys.stderr)
    print(out / "results.json")
