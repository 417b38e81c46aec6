"""`semphys phase run`, `phase qk-pca` and `phase readout`: options in, the experiments of `semphys.experiments.phase` do the rest."""

import json
import sys
from pathlib import Path

import typer

from semphys.core.errors import UserError

app = typer.Typer(
    help="Semantic phase transitions across layers (spec 001): order parameter, Landau fits, "
    "universality, susceptibility, phase diagram, W_QK PCA, verdict.",
    no_args_is_help=True,
)


MODEL_HELP = (
    "Model (repeat for several): `embedded` (Gemma-3-270M), `minilm`, a local directory or a hub id "
    "such as gpt2, gpt2-medium (needs network or the HF cache)."
)


@app.command()
def run(
    out: Path = typer.Option(..., "--out", "-o", help="Directory for results.json, the figures and report.html."),
    model: list[str] = typer.Option(["embedded"], "--model", "-m", help=MODEL_HELP),
    words: str | None = typer.Option(
        None,
        "--words",
        help="Comma-separated words: built-in bank, bat, crane; "
        "any other is paired from WordNet. Default: bank,bat,crane.",
    ),
    prompts: Path | None = typer.Option(
        None,
        "--prompts",
        help="YAML or JSON file of words, senses, anchors, prompts, hints, gradients (format in the README).",
    ),
    wordnet: int | None = typer.Option(
        None,
        "--wordnet",
        help="Spec 001 at WordNet scale on the first N usable "
        "WordNet words per part of speech: every example sentence is a judged curve "
        "(the readout's items; docs: phase run).",
    ),
    all_words: bool = typer.Option(False, "--all", help="Spec 001 at WordNet scale on every usable WordNet word."),
    pos: str | None = typer.Option(
        None, "--pos", help="With --wordnet or --all: WordNet parts of speech, comma-separated: n, v, a (default n)."
    ),
    bootstrap: int = typer.Option(200, "--bootstrap", help="Anchor resamples for the fit intervals (0: none)."),
    mode: str = typer.Option("per-layer", "--mode", help="Direction mode judged by the verdict: per-layer or final."),
    correction: str = typer.Option(
        "standardised",
        "--correction",
        help="Anisotropy correction judged by the verdict: raw, centred or standardised.",
    ),
    selection: str = typer.Option("aicc", "--selection", help="Fit choice by aicc (small-sample AIC) or aic."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap, null controls and random-weight null."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Read and write the activation cache."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Activation cache root (default $SEMPHYS_CACHE/activations)."
    ),
    strict: bool = typer.Option(False, "--strict", help="A word that cannot be used is an error, not skipped."),
    qk_pca: bool = typer.Option(True, "--qk-pca/--no-qk-pca", help="Run exp. 6 (W_QK PCA)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document (paths and verdict) on stdout."),
) -> None:
    """Run the suite on every --model and write OUT/results.json, the figures and OUT/report.html.

    Prints the report's path on stdout (or, with --json, a JSON document); progress goes to stderr.
    """
    from semphys.cli.common import say
    from semphys.experiments import execute
    from semphys.experiments.phase.report.verdict import verdict_lines
    from semphys.experiments.phase.run import COMMAND, PhaseRunConfig
    from semphys.experiments.phase.run import run as run_phase

    if all_words or wordnet is not None:
        _run_wordnet(out, model, wordnet, all_words, pos, words, prompts, seed, cache, cache_dir, as_json)
        return
    if pos is not None:
        raise UserError("--pos applies to WordNet words: give it with --wordnet N or --all")
    config = PhaseRunConfig(
        out=out,
        models=tuple(model),
        words=words,
        prompts=prompts,
        wordnet=wordnet,
        strict=strict,
        bootstrap=bootstrap,
        mode=mode,
        correction=correction,
        selection=selection,
        seed=seed,
        qk_pca=qk_pca,
        cache=cache,
        cache_dir=cache_dir,
    )
    result = execute(COMMAND, config, run_phase, log=say)
    report = out / "report.html"
    if as_json:
        print(
            json.dumps(
                {
                    "report": str(report),
                    "results": str(out / "results.json"),
                    "figures": {name: str(path) for name, path in result.figures.items()},
                    "headline": result.document["verdict"]["headline"],
                    "claims": [row for row in result.document["claims"] if row["kind"] != "exploratory"],
                },
                indent=2,
                default=str,
            )
        )
    else:
        for line in verdict_lines(result.document):
            print(line, file=sys.stderr)
        print(report)


def _run_wordnet(
    out: Path,
    model: list[str],
    wordnet: int | None,
    all_words: bool,
    pos: str | None,
    words: str | None,
    prompts: Path | None,
    seed: int,
    cache: bool,
    cache_dir: Path | None,
    as_json: bool,
) -> None:
    """`phase run --wordnet N | --all`: the WordNet-scale design (`semphys.experiments.phase.wordnet`)."""
    from dataclasses import replace

    from semphys.cli.common import say
    from semphys.core.validate import parse_list
    from semphys.experiments import execute
    from semphys.experiments.phase.wordnet import COMMAND, WordnetRunConfig
    from semphys.experiments.phase.wordnet import run as run_wordnet
    from semphys.phase.scale import ScaleSettings

    given = [
        name
        for name, value in (
            ("--words", words),
            ("--prompts", prompts),
            ("--wordnet", wordnet),
            ("--all", True if all_words else None),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise UserError(f"give one of --words, --prompts, --wordnet, --all, not {' and '.join(given)}")
    config = WordnetRunConfig(
        out=out,
        models=tuple(model),
        n_words=wordnet,
        pos=tuple(parse_list(pos or "n", "--pos", allowed=("n", "v", "a"))),
        settings=replace(ScaleSettings(), seed=seed),
        cache=cache,
        cache_dir=cache_dir,
    )
    result = execute(COMMAND, config, run_wordnet, log=say)
    report = out / "report.html"
    if as_json:
        print(
            json.dumps(
                {
                    "report": str(report),
                    "results": str(out / "results.json"),
                    "figures": {name: str(path) for name, path in result.figures.items()},
                    "headline": result.document["headline"],
                    "claims": [row for row in result.document["claims"] if row["kind"] != "exploratory"],
                },
                indent=2,
                default=str,
            )
        )
    else:
        for line in result.document["headline"]:
            print(line, file=sys.stderr)
        print(report)


# ---- spec 001 future experiments B and C ---------------------------------------------------------


@app.command("qk-pca")
def qk_pca_command(
    out: Path = typer.Option(..., "--out", "-o", help="Directory for qk_pca.json, the figures and report.html."),
    model: list[str] = typer.Option(["embedded", "minilm"], "--model", "-m", help=MODEL_HELP),
    seed: int = typer.Option(0, "--seed", help="Seed of the random-weight null and the orthogonal scramble."),
    random_draws: int = typer.Option(
        79,
        "--random-draws",
        help="Random-weight draws per curve, the null of each claim (>= 1; the p floor is 1 / (1 + draws)).",
    ),
    components: int = typer.Option(5, "--components", help="Exp. C: top W_QK components to decode."),
    heads: int = typer.Option(3, "--heads", help="Exp. C: heads with the largest |score| per component."),
    device: str = typer.Option("cpu", "--device", help="Where the models run: cpu, cuda or cuda:N."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document (paths and claims) on stdout."),
) -> None:
    """Spec 001 exp. B and C: the W_QK basis pooled across --model (90% within 16-32 components?) with a
    random-weight null, and what its top components attend to. Prints the report's path on stdout."""
    from semphys.cli.common import say
    from semphys.core.jsondoc import to_json
    from semphys.experiments import execute
    from semphys.experiments.phase.qk_pca import COMMAND, QKPCAConfig
    from semphys.experiments.phase.qk_pca import run as run_qk_pca
    from semphys.phase.qk.attention import AttentionConfig

    config = QKPCAConfig(
        models=tuple(model),
        out=out,
        seed=seed,
        n_random=random_draws,
        device=device,
        attention=AttentionConfig(n_components=components, heads_per_component=heads),
    )
    result = execute(COMMAND, config, run_qk_pca, log=say)
    report = out / "report.html"
    if as_json:
        print(
            to_json({"report": str(report), "results": str(out / "qk_pca.json"), "claims": result.document["claims"]}),
            end="",
        )
    else:
        print(report)


# ---- the held-out sense readout across layers (spec 001 §実験1), and spec 001's potential (§発展実験 A) ----


@app.command("readout")
def readout_command(
    out: Path = typer.Option(
        ..., "--out", "-o", help="Directory for readout.json, readout.parquet, figures, report.html."
    ),
    model: list[str] = typer.Option(["embedded"], "--model", "-m", help=MODEL_HELP),
    wordnet: int | None = typer.Option(None, "--wordnet", help="The first N usable WordNet words per part of speech."),
    all_words: bool = typer.Option(
        False, "--all", help="Every usable WordNet word (default when --wordnet is not given)."
    ),
    pos: str | None = typer.Option(
        None, "--pos", help="WordNet parts of speech, comma-separated: n, v, a (default n)."
    ),
    prompts: Path | None = typer.Option(
        None,
        "--prompts",
        help="Words from a prompts file (the `phase run --prompts` "
        "format) instead of WordNet: the anchors give the directions, the prompts "
        "with a declared sense are the test items. Not with --wordnet, --all, --pos.",
    ),
    layers: str | None = typer.Option(
        None,
        "--layers",
        help="Comma-separated layer indices to read, e.g. 0,3,6 "
        "(0: embeddings; default all). The capture stops at the deepest.",
    ),
    null: int = typer.Option(200, "--null", help="Draws of each null (random directions, shuffled labels) per word."),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Word resamples of the 95% intervals."),
    null_pooled: int = typer.Option(
        2000,
        "--null-pooled",
        help="Pooled null draws of the primary variant's "
        "findings, each one of every word's --null draws picked independently per word.",
    ),
    bimodal_null: int = typer.Option(
        200,
        "--bimodal-null",
        help="Shuffled-label draws of the potential's bimodality null (joint over words and layers).",
    ),
    mode: str = typer.Option("per-layer", "--mode", help="Direction mode of the headline: per-layer or final."),
    correction: str = typer.Option(
        "standardised", "--correction", help="Anisotropy correction of the headline: raw, centred or standardised."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the nulls and the bootstrap."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Read and write the activation cache (resume)."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Activation cache root (default $SEMPHYS_CACHE/activations)."
    ),
    device: str = typer.Option("cpu", "--device", help="Where the models run: cpu, cuda or cuda:N."),
) -> None:
    """Held-out sense readout at every layer (or --layers) of every --model (WordNet example sentences, or a
    --prompts file's sense-declared prompts, as test items; gloss and leave-one-out directions, random and
    shuffled nulls) and spec 001's potential V(sigma, l).
    Prints the report's path on stdout; progress goes to stderr."""
    from semphys.cli.common import say
    from semphys.core.validate import parse_list
    from semphys.experiments import execute
    from semphys.experiments.phase.readout import COMMAND, ReadoutConfig
    from semphys.experiments.phase.readout import run as run_readout

    if all_words and wordnet is not None:
        raise UserError("give --all or --wordnet N, not both")
    if prompts is not None and (all_words or wordnet is not None or pos is not None):
        raise UserError("--prompts FILE takes its words from the file: not with --wordnet, --all or --pos")
    chosen = None if layers is None else tuple(sorted(parse_list(layers, "--layers", convert=int)))
    config = ReadoutConfig(
        models=tuple(model),
        out=out,
        cache_root=cache_dir if cache else False,
        pos=tuple(parse_list(pos or "n", "--pos", allowed=("n", "v", "a"))),
        n_words=wordnet,
        prompts=prompts,
        layers=chosen,
        n_null=null,
        n_null_pooled=null_pooled,
        n_bootstrap=bootstrap,
        seed=seed,
        primary_mode=mode,
        primary_correction=correction,
        n_bimodal_null=bimodal_null,
        device=device,
    )
    execute(COMMAND, config, run_readout, log=say)
    print(out / "report.html")
