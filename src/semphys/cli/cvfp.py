"""`semphys cvfp train|eval|compare`: the CVFP language model of spec 004, its collapse and its fix."""

import dataclasses
from pathlib import Path

import typer

from semphys.cli.common import say
from semphys.core.jsondoc import to_json

app = typer.Typer(
    help="CVFP (Context Vector Fixed-Point Property) language model (spec 004): context-vector "
    "fixed point, collapse diagnostics, parallel fixed-point evaluation, baselines.",
    no_args_is_help=True,
)


@app.command()
def train(
    out: Path = typer.Option(..., "--out", "-o", help="Run directory (created; an existing run there is resumed)."),
    quick: bool = typer.Option(
        False,
        "--quick",
        help="Quarter-length preset: 1,200 Phase 1 steps, 30k validation "
        "tokens, 5k-token spec stream (train + eval: 4.5 minutes measured here).",
    ),
    method: str = typer.Option(
        "predictive",
        "--method",
        help="Phase 1: predictive (ours: next-token CE + two-pass "
        "fixed-point MSE), spec (MSE to the previous pass), corrected (the spec's proposal 1).",
    ),
    context_dim: int | None = typer.Option(None, "--context-dim", help="Context width (preset 128; the spec's 16)."),
    embed_dim: int | None = typer.Option(None, "--embed-dim", help="Token embedding width (preset 64; the spec's 16)."),
    layers: str | None = typer.Option(
        None, "--layers", help="layer_structure, comma-separated layers per block (default 1,1)."
    ),
    layernorm_mix: float | None = typer.Option(None, "--layernorm-mix", help="LayerNorm share in [0, 1] (default 1)."),
    steps: int | None = typer.Option(
        None, "--steps", help="Phase 1 steps of `predictive` (baselines get the same tokens as Phase 1 + Phase 2)."
    ),
    fixed_point_weight: float | None = typer.Option(
        None, "--fixed-point-weight", help="`predictive`: weight of the fixed-point MSE (0.1)."
    ),
    spec_tokens: int | None = typer.Option(
        None,
        "--spec-tokens",
        help="`spec`/`corrected`: stream length of Phase 1 (92,047 as in the spec; 5,000 with --quick).",
    ),
    phase1_gradient: str | None = typer.Option(
        None,
        "--phase1-gradient",
        help="`spec`/`corrected`: bptt (the "
        "spec's backpropagation through the pass) or onestep (parallel fixed "
        "point, one-step gradient).",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of initialisation and batches (Phase 2 uses seed + 1)."),
    baselines: bool = typer.Option(True, "--baselines/--no-baselines", help="Also train the GRU and transformer."),
    threads: int = typer.Option(1, "--threads", help="torch threads (1 is fastest for these small models here)."),
    as_json: bool = typer.Option(False, "--json", help="Print train.json's summary as one JSON document on stdout."),
) -> None:
    """Train Phase 1 and Phase 2 of a CVFP model, and the GRU and transformer baselines, into OUT.

    Writes OUT/config.json, checkpoints (phase1, phase2, model, baselines/*.safetensors) and
    OUT/train.json. Interrupted? Run the same command again: it resumes from the last checkpoint.
    """
    from semphys.core.validate import parse_list, require_non_negative
    from semphys.cvfp.config import RunConfig, quick_config
    from semphys.experiments.base import execute
    from semphys.experiments.cvfp.train import COMMAND, TrainConfig, run

    config = quick_config() if quick else RunConfig()
    model = config.model
    if context_dim is not None or embed_dim is not None:
        c = model.context_dim if context_dim is None else context_dim
        e = model.embed_dim if embed_dim is None else embed_dim
        model = dataclasses.replace(model, context_dim=c, embed_dim=e, hidden_dim=c + e)
    if layers is not None:
        model = dataclasses.replace(model, layer_structure=tuple(parse_list(layers, "--layers", int, unique=False)))
    if layernorm_mix is not None:
        model = dataclasses.replace(model, layernorm_mix=layernorm_mix)
    require_non_negative("--seed", seed)
    changes: dict = {"model": model, "method": method, "threads": threads}
    changes["phase1"] = dataclasses.replace(
        config.phase1, seed=seed, steps=config.phase1.steps if steps is None else steps
    )
    changes["phase2"] = dataclasses.replace(config.phase2, seed=seed + 1)
    changes["baselines"] = dataclasses.replace(
        config.baselines, seed=seed, steps=(changes["phase1"].steps + config.phase2.steps)
    )
    if fixed_point_weight is not None:
        changes["fixed_point_weight"] = fixed_point_weight
    if spec_tokens is not None:
        changes["spec_stream_tokens"] = spec_tokens
    if phase1_gradient is not None:
        changes["spec_phase1"] = dataclasses.replace(config.spec_phase1, gradient=phase1_gradient)
    config = dataclasses.replace(config, **changes)
    summary = execute(COMMAND, TrainConfig(out, config, baselines=baselines), run, log=say).summary
    say(f"trained {out} in {summary['seconds']:.0f} s")
    if as_json:
        print(
            to_json(
                {k: summary[k] for k in ("method", "cvfp_params", "vocab_size", "seconds")}
                | {"out": str(out), "baselines": [b["name"] for b in summary["baselines"]]},
                indent=2,
            ),
            end="",
        )
    else:
        print(out / "train.json")


@app.command("eval")
def evaluate(
    run_dir: Path = typer.Argument(..., help="A directory written by `semphys cvfp train`."),
    passes: int = typer.Option(10, "--passes", help="Phase 1 passes (fixed weights) for the converged ratio."),
    diagnostic_tokens: int = typer.Option(20000, "--diagnostic-tokens", help="Validation tokens the diagnostics use."),
    speed_tokens: int = typer.Option(
        20000, "--speed-tokens", help="Validation tokens of the sequential-vs-parallel timing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the headline figures as one JSON document on stdout."),
) -> None:
    """Validation perplexity beside unigram, bigram, GRU and transformer; identity cosine, token dependency,
    converged ratio per pass, effective rank, running statistics; parallel vs sequential contexts.

    Writes RUN_DIR/eval.json and perplexity.png, converged_ratio.png, loss_curves.png.
    """
    from semphys.experiments.cvfp.eval import EvalConfig, Measurement, headline, run

    config = EvalConfig(run_dir, Measurement(passes, diagnostic_tokens, speed_tokens))
    config.validate()
    result = run(config, log=say)
    result.save(run_dir)  # into the training's run directory, which eval does not claim
    figures = headline(result.document)
    if as_json:
        print(to_json(figures, indent=2), end="")
        return
    for key, value in figures.items():
        print(f"{key:<24} {to_json(value, indent=None).strip()}")


@app.command()
def compare(
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Directory for compare.json and one run per seed (seed<k>/, "
        "seed<k>-repeat/; an interrupted comparison there resumes run by run).",
    ),
    seeds: int = typer.Option(
        8,
        "--seeds",
        help="Seeds 0 .. seeds - 1, at least 1 (default 8). Claims pair CVFP "
        "with its baselines by seed with an exact sign-flip test, whose p cannot go below "
        "1/2^seeds: with fewer than 8 the report says whether any row could hold.",
    ),
    scale: str = typer.Option(
        "quick",
        "--scale",
        help="Run of each seed: quick (the `train --quick` preset, about 4 "
        "minutes a seed here) or demo (the demo's predictive run: context 64, 300 + 100 steps, "
        "baselines 400 steps, about 1 minute a seed).",
    ),
    repeat: bool = typer.Option(
        True, "--repeat/--no-repeat", help="Train the first seed a second time (the determinism check)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print compare.json as one JSON document on stdout."),
) -> None:
    """Train and evaluate CVFP (predictive Phase 1) and its GRU and transformer baselines for every seed, then
    decide the claims paired by seed (CVFP against each baseline, no collapse, determinism).

    Writes OUT/compare.json (schema semphys.cvfp.compare/1) and OUT/seed<k>/ (ordinary cvfp run directories).
    """
    from semphys.core.validate import require_at_least, require_choice
    from semphys.cvfp.config import quick_config
    from semphys.evidence import Claim, markdown_table
    from semphys.experiments.base import execute
    from semphys.experiments.cvfp.compare import COMMAND, CVFPCompareConfig, demo_config, run
    from semphys.experiments.cvfp.eval import Measurement

    require_at_least("--seeds", seeds, 1)
    require_choice("--scale", scale, ("quick", "demo"))
    each = quick_config() if scale == "quick" else demo_config()
    evaluation = Measurement() if scale == "quick" else Measurement(passes=5, diagnostic_tokens=2000, speed_tokens=5000)
    config = CVFPCompareConfig(out, run=each, seeds=tuple(range(seeds)), evaluation=evaluation, repeat=repeat)
    document = execute(COMMAND, config, run, log=say).document
    if as_json:
        print(to_json(document, indent=2), end="")
        return
    print(markdown_table([Claim.from_dict(row) for row in document["claims"]]) + document["seed_floor"]["note"])
