"""`semphys lm ...`: load models and capture residual-stream activations."""

import json
import sys
from pathlib import Path

import typer

from semphys.errors import UserError

app = typer.Typer(help="Load language models and capture residual-stream activations.", no_args_is_help=True)

MODEL_HELP = "Model: `embedded` (Gemma-3-270M, packaged), `minilm` (packaged encoder), a local directory or a hub id."


@app.command()
def info(
    model: str = typer.Option("embedded", "--model", "-m", help=MODEL_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
) -> None:
    """Load a model and print its facts and the load time in seconds."""
    from semphys.lm import load_lm

    lm = load_lm(model)
    facts = {**lm.facts.to_dict(), "load_seconds": round(lm.load_seconds, 3)}
    if as_json:
        print(json.dumps(facts, indent=2))
        return
    width = max(map(len, facts))
    for key, value in facts.items():
        print(f"{key:<{width}}  {value}")


@app.command()
def capture(
    prompt: list[str] = typer.Option(..., "--prompt", "-p", help="A prompt; repeat for several."),
    target: list[str] = typer.Option(..., "--target", "-t", help="The target word of each prompt, in order."),
    out: Path = typer.Option(..., "--out", "-o", help="Output .safetensors file."),
    model: str = typer.Option("embedded", "--model", "-m", help=MODEL_HELP),
    layers: str | None = typer.Option(None, help="Comma-separated layer indices (0 = embeddings); default all."),
    pooling: str = typer.Option("last", help="Sub-token of a multi-token word: last, first or mean."),
    final_norm: bool = typer.Option(False, "--final-norm", help="Apply the final norm at the last layer index."),
) -> None:
    """Capture the residual stream at target words: tensor `resid` [n_prompts, n_layers + 1, d_model]."""
    from semphys.lm import capture_residuals, load_lm, save_capture

    layer_list = _parse_layers(layers)
    lm = load_lm(model)
    result = capture_residuals(lm, prompt, target, layers=layer_list, pooling=pooling, final_norm=final_norm)
    save_capture(result, out, model)
    print(f"wrote {out}: resid {list(result.resid.shape)}", file=sys.stderr)


def _parse_layers(layers: str | None) -> list[int] | None:
    if layers is None:
        return None
    try:
        return [int(item) for item in layers.split(",") if item.strip()]
    except ValueError:
        raise UserError(f"--layers {layers!r}: give comma-separated integers such as 0,6,12,18") from None
