"""`semphys routing compare`: spec 003's Omega router against standard MoE routing, on real text.

Options go into `semphys.experiments.routing.compare.RoutingCompareConfig` unchanged; checking them, the run and
the files are the experiment's; this module prints the table (stderr) or results.json (stdout, `--json`).
"""

import sys
from pathlib import Path

import typer

from semphys.routing.variants import VARIANTS

app = typer.Typer(
    help="Omega router (spec 003) vs softmax top-k routing in a small MoE transformer LM, "
    "at equal active parameters and tokens, over several seeds.",
    no_args_is_help=True,
)


@app.command()
def compare(
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Directory for results.json, the figures and runs/ "
        "(an interrupted comparison there resumes; another command's directory is refused).",
    ),
    quick: bool = typer.Option(
        False,
        "--quick",
        help="300 steps per run, 2 seeds, 20k validation tokens (about 4 "
        "minutes on 2 idle cores; with 2 seeds no claim can hold, the report says why).",
    ),
    seeds: int | None = typer.Option(
        None,
        "--seeds",
        help="Seeds per variant, at least 1 (default 8; 2 with "
        "--quick). Claims pair variants by seed with an exact sign-flip test, whose p "
        "cannot go below 1/2^seeds.",
    ),
    variants: str | None = typer.Option(
        None, "--variants", help="Comma-separated subset of: " + ", ".join(VARIANTS) + " (default: all)."
    ),
    steps: int | None = typer.Option(
        None, "--steps", help="Training steps per run, at least 1 (default 1200; 300 with --quick)."
    ),
    n_experts: int | None = typer.Option(
        None, "--n-experts", help="Experts per MoE layer, at least --top-k (default 8)."
    ),
    top_k: int | None = typer.Option(None, "--top-k", help="Experts per token, at least 1 (default 2)."),
    capacity_factor: float | None = typer.Option(
        None, "--capacity-factor", help="Expert capacity factor, finite and > 0 (default 1.25)."
    ),
    threads: int | None = typer.Option(
        None, "--threads", help="torch threads, at least 1 (default 1, the fastest for these small models here)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print results.json as one JSON document on stdout."),
) -> None:
    """Train every variant for every seed on the same tokens; report perplexity, expert load CV and entropy,
    dropped tokens, MI(origin; expert), weak-stimulus sensitivity, with mean and spread over seeds, and the
    claims, each paired by seed (printed with what the number of seeds allows).

    Writes OUT/results.json (schema semphys.routing/3, see the README),
    the figures OUT/loss_curves.png, OUT/expert_load.png, OUT/origin_expert.png,
    and one checkpoint and JSON per run under OUT/runs/.
    """
    from semphys.cli.common import say
    from semphys.core.jsondoc import to_json
    from semphys.experiments import execute
    from semphys.experiments.routing.compare import COMMAND, RoutingCompareConfig, run
    from semphys.experiments.routing.report import claims_text, summary_table

    result = execute(
        COMMAND,
        RoutingCompareConfig(
            out=out,
            quick=quick,
            seeds=seeds,
            variants=variants,
            steps=steps,
            n_experts=n_experts,
            top_k=top_k,
            capacity_factor=capacity_factor,
            threads=threads,
        ),
        run,
        log=say,
    )
    document = result.document
    if as_json:
        sys.stdout.write(to_json(document))
    else:
        print(summary_table(document["summary"]), file=sys.stderr)
        print(claims_text(document), file=sys.stderr)
        print(Path(out) / "results.json")
