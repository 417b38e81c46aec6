"""`semphys lm ...`: load models, check that semphys reads them right, capture residual-stream activations.

`check` and `capture` parse their options into the experiments' options (`semphys.experiments.lm`), which
check them before any model loads, run them, and print or write what the command gives; `info` prints a
model's facts from the library directly.
"""

import unicodedata
from pathlib import Path

import typer

from semphys.cli.common import say

app = typer.Typer(
    help="Load language models, check semphys's readers against them, capture residual-stream activations.",
    no_args_is_help=True,
)

MODEL_HELP = "Model: `embedded` (Gemma-3-270M, packaged), `minilm` (packaged encoder), a local directory or a hub id."
DEVICE_HELP = "Where the model runs: cpu, cuda or cuda:N."


@app.command()
def info(
    model: str = typer.Option("embedded", "--model", "-m", help=MODEL_HELP),
    device: str = typer.Option("cpu", "--device", help=DEVICE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
) -> None:
    """Load a model and print its facts, where its blocks and final norm are, its W_Q/W_K reader, the parts of its
    weight files semphys deliberately leaves out (pretraining heads, a T5 decoder) and the load time."""
    from semphys.core.jsondoc import to_json
    from semphys.lm import check_device, check_model_spec, load_lm

    check_device(device)
    check_model_spec(model)
    lm = load_lm(model, device=device)
    facts = {
        **lm.facts.to_dict(),
        **{f"layout_{k}": v for k, v in lm.layout.describe().items()},
        "unloaded_weights": ", ".join(lm.unloaded) or "none",
        "load_seconds": round(lm.load_seconds, 3),
    }
    if as_json:
        print(to_json(facts), end="")
        return
    width = max(map(len, facts))
    for key, value in facts.items():
        print(f"{key:<{width}}  {value}")


@app.command()
def check(
    model: str = typer.Argument(..., help=MODEL_HELP),
    device: str = typer.Option("cpu", "--device", help=DEVICE_HELP),
    threads: int | None = typer.Option(
        None, "--threads", help="torch threads (default torch's; 1 is fastest for tiny models on a loaded machine)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON document (schema semphys.lm.check/2) on stdout."
    ),
) -> None:
    """Check semphys's readers against the model itself: capture, padding, W_Q/W_K, next-token log-probabilities.

    Each row passes or fails with its figure. Exit code 0 when every row passes, 1 when any fails,
    2 on bad input (an unknown model, a device that is not there).
    """
    from semphys.core.jsondoc import to_json
    from semphys.experiments.lm.check import LMCheckConfig, run

    options = LMCheckConfig(model=model, device=device, threads=threads)
    options.validate()
    result = run(options)
    if as_json:
        print(to_json(result.document()), end="")
    else:
        print("\n".join(result.lines()))
    if not result.passed:
        raise typer.Exit(code=1)


@app.command()
def capture(
    prompt: list[str] = typer.Option(..., "--prompt", "-p", help="A prompt; repeat for several."),
    target: list[str] = typer.Option(..., "--target", "-t", help="The target word of each prompt, in order."),
    out: Path = typer.Option(..., "--out", "-o", help="Output .safetensors file."),
    model: str = typer.Option("embedded", "--model", "-m", help=MODEL_HELP),
    device: str = typer.Option("cpu", "--device", help=DEVICE_HELP),
    layers: str | None = typer.Option(None, help="Comma-separated layer indices (0 = embeddings); default all."),
    pooling: str = typer.Option("last", help="Sub-token of a multi-token word: last, first or mean."),
    final_norm: bool = typer.Option(False, "--final-norm", help="Apply the final norm at the last layer index."),
    force: bool = typer.Option(
        False, "--force", help="Replace --out when it exists (never a file inside the model's own directory)."
    ),
) -> None:
    """Capture the residual stream at target words: tensor `resid` [n_prompts, n_layers + 1, d_model].

    An existing --out is refused unless --force; a --out inside the model's directory is always refused.
    """
    from semphys.core.validate import parse_list
    from semphys.experiments.lm.capture import LMCaptureConfig, run

    layer_list = parse_list(layers, "--layers", int)
    options = LMCaptureConfig(
        prompts=tuple(unicodedata.normalize("NFC", text) for text in prompt),  # compared after NFC, as prompts
        targets=tuple(unicodedata.normalize("NFC", word) for word in target),  # files are
        out=out,
        model=model,
        device=device,
        layers=None if layer_list is None else tuple(layer_list),
        pooling=pooling,
        final_norm=final_norm,
        force=force,
    )
    options.validate()
    result = run(options)
    result.save(out)
    say(f"wrote {out}: resid {list(result.capture.resid.shape)}")
