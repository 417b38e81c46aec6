"""`semphys samadhi ...`: train the Samadhi model (spec 002), evaluate it against baselines, stream a text."""

from dataclasses import replace
from pathlib import Path

import typer

from semphys.cli.common import say
from semphys.core.jsondoc import to_json

app = typer.Typer(
    help="The Samadhi model (spec 002): probes, gate, recurrent refinement and logs.", no_args_is_help=True
)


@app.command()
def train(
    out: Path = typer.Option(..., "--out", help="Run directory: <variant>.safetensors checkpoints and train.json."),
    quick: bool = typer.Option(False, "--quick", help="16 concepts instead of 45, shorter training (about 2 minutes)."),
    model: str = typer.Option(
        "minilm", "--model", help="semphys.lm model whose token states are the input X (minilm, embedded, a directory)."
    ),
    layer: int = typer.Option(3, "--layer", help="Layer of --model read (0 = embeddings, l = output of block l-1)."),
    window: int = typer.Option(32, "--window", help="Window size W in tokens (spec 002 §5.1)."),
    concepts: int | None = typer.Option(
        None, "--concepts", help="Canonical concepts: most frequent WordNet lexnames (default 45; --quick 16)."
    ),
    train_per_concept: int | None = typer.Option(
        None, "--train-per-concept", help="Training documents per concept (default 300)."
    ),
    valid_per_concept: int | None = typer.Option(
        None, "--valid-per-concept", help="Held-out documents per concept (default 50)."
    ),
    n_learned: int = typer.Option(
        8, "--learned-probes", help="Learned probes besides the canonical ones (K = concepts + this)."
    ),
    vitakka_steps: int | None = typer.Option(
        None, "--vitakka-steps", help="Stage 1 optimiser steps (default 1000; --quick 800)."
    ),
    vicara_steps: int | None = typer.Option(
        None, "--vicara-steps", help="Stage 2 optimiser steps per variant (default 200; --quick 150)."
    ),
    variants: str = typer.Option(
        "standard,probe_specific",
        "--variants",
        help="Vicara variants to train, comma-separated: standard, probe_specific.",
    ),
    tau: float = typer.Option(0.1, "--tau", help="Lateral-inhibition temperature (spec 002 §6: 0.1-0.2)."),
    theta: float = typer.Option(0.4, "--theta", help="Gate threshold on max Score (spec 002 §6: 0.3-0.5)."),
    beta: float = typer.Option(
        0.9, "--beta", help="Update rate b of S <- (1-b) S + b Phi(S) (spec 002 §3.3; no value given)."
    ),
    t_max: int = typer.Option(20, "--t-max", help="Max refinement steps (spec 002 §6: 10-20)."),
    eps: float = typer.Option(1e-4, "--eps", help="Convergence threshold on |S_(t+1) - S_t| (spec 002 §6)."),
    lipschitz: float = typer.Option(
        0.5, "--lipschitz", help="Bound on each refiner's Lipschitz constant (< 1: guaranteed convergence)."
    ),
    no_read_in: bool = typer.Option(
        False, "--no-read-in", help="Feed the standardised features to the probes unchanged (the spec's X)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the document draw, noise, initialisation and batches."),
    threads: int = typer.Option(
        1, "--threads", help="Torch threads for training and evaluation (1 is fastest on a shared 2-core machine)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Extract the token states again even if they are cached."),
    as_json: bool = typer.Option(False, "--json", help="Print train.json on stdout."),
) -> None:
    """Extract token states (cached), train Vitakka then each Vicara variant, write checkpoints + train.json."""
    from semphys.core.validate import parse_list
    from semphys.experiments.base import execute
    from semphys.experiments.samadhi.train import COMMAND, TrainConfig, run
    from semphys.samadhi.config import QUICK, VICARA_TYPES, SamadhiConfig, SamadhiTrainConfig

    config = QUICK if quick else SamadhiTrainConfig()
    overrides = {
        "n_concepts": concepts,
        "train_per_concept": train_per_concept,
        "valid_per_concept": valid_per_concept,
        "vitakka_steps": vitakka_steps,
        "vicara_steps": vicara_steps,
    }
    config = replace(
        config,
        **{k: v for k, v in overrides.items() if v is not None},
        seed=seed,
        threads=threads,
        variants=tuple(parse_list(variants, "--variants", allowed=VICARA_TYPES)),
    )
    base = SamadhiConfig(
        n_learned=n_learned,
        tau=tau,
        theta=theta,
        beta=beta,
        t_max=t_max,
        eps=eps,
        refiner_lipschitz=lipschitz,
        read_in=not no_read_in,
        lm_spec=model,
        lm_layer=layer,
        window=window,
    )
    result = execute(COMMAND, TrainConfig(out, config, base, use_cache=not no_cache), run, log=say)
    for name in result.checkpoints.values():
        say(f"wrote {out / name}")
    seconds = result.record["seconds"]
    say(
        f"trained {', '.join(result.checkpoints)} in {seconds['total']:.0f} s "
        f"(data {seconds['data']:.0f} s, vitakka {seconds['vitakka']:.0f} s); wrote {out / 'train.json'}"
    )
    if as_json:
        print(to_json(result.record, indent=2), end="")


@app.command("eval")
def evaluate(
    run_dir: Path = typer.Argument(..., help="A directory written by `semphys samadhi train`."),
    as_json: bool = typer.Option(False, "--json", help="Print eval.json on stdout (one JSON document)."),
    no_figures: bool = typer.Option(False, "--no-figures", help="Do not draw the PNG figures."),
) -> None:
    """Held-out figures next to their baselines; writes RUN_DIR/eval.json and PNG figures."""
    from semphys.experiments.samadhi.eval import EvalConfig, run
    from semphys.experiments.samadhi.plots import FIGURES
    from semphys.experiments.samadhi.report import summary_table

    config = EvalConfig(run_dir, figures=not no_figures)
    config.validate()
    result = run(config, log=say)
    result.save(run_dir)  # into the training's run directory, which eval does not claim
    if not no_figures:
        say(f"wrote {run_dir / 'eval.json'} and {len(FIGURES)} figures")
    if as_json:
        print(to_json(result.document, indent=2), end="")
        return
    print(summary_table(result.document))


@app.command()
def stream(
    run_dir: Path = typer.Argument(..., help="A directory written by `semphys samadhi train`."),
    text: str | None = typer.Option(None, "--text", help="The text to stream."),
    text_file: Path | None = typer.Option(None, "--text-file", help="Read the text from this file instead."),
    log: Path = typer.Option(..., "--log", help="Probe Log (spec 002 §4.1), JSON Lines, one record per window."),
    cetana_log: Path | None = typer.Option(
        None, "--cetana-log", help="Cetana Dynamics Log (§4.2); default: LOG with .cetana.jsonl."
    ),
    variant: str | None = typer.Option(
        None, "--variant", help="Checkpoint to use: standard or probe_specific (default: the run's primary)."
    ),
    solver: str = typer.Option("plain", "--solver", help="plain (the spec's loop) or anderson."),
    as_json: bool = typer.Option(
        False, "--json", help="Print {windows: [...], probe_log, cetana_log paths} on stdout."
    ),
) -> None:
    """Stream a text through the model in windows of W tokens (spec 002 §5) and write both logs."""
    from semphys.experiments.samadhi.stream import StreamConfig, run

    config = StreamConfig(
        run_dir, log, text=text, text_file=text_file, cetana_log=cetana_log, variant=variant, solver=solver
    )
    config.validate()
    streamed = run(config, log=say)
    streamed.save(log)
    cetana_path, chosen, result = config.cetana_path, streamed.variant, streamed.streamed
    say(f"wrote {log} and {cetana_path}")
    rows = [
        {
            "window": p["window"],
            "gate": p["intention"]["gate_status"],
            "winner": p["intention"]["winner_label"],
            "max_score": round(p["max_score"], 4),
            "steps": None if p["refinement"] is None else p["refinement"]["steps"],
            "status": "NULL" if p["refinement"] is None else p["refinement"]["status"],
            "transition": c["transition"]["type"],
            "text": p["text"],
        }
        for p, c in zip(result.probe_log, result.cetana_log)
    ]
    if as_json:
        print(
            to_json(
                {
                    "variant": chosen,
                    "solver": solver,
                    "probe_log": str(log),
                    "cetana_log": str(cetana_path),
                    "windows": rows,
                },
                indent=2,
            ),
            end="",
        )
        return
    for row in rows:
        print(
            f"{row['window']:3d} {row['gate']:6s} {row['winner']:20s} score {row['max_score']:.3f} "
            f"{row['status']:13s} steps {row['steps'] if row['steps'] is not None else '-':>3} "
            f"{row['transition']:10s} {row['text'][:50]!r}"
        )
