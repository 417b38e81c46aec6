"""Demo section `readout`: the held-out sense readout (spec 001 §実験1) on a WordNet subset, Gemma-3-270M and MiniLM.

Runs `semphys.experiments.phase.readout` exactly as `semphys phase readout --model embedded
--model minilm --wordnet N` does, at demo scale: the first `N_WORDS` usable nouns (most senses first)
and fewer null draws and bootstrap resamples than the command's defaults
(`DEMO_SCALE`), so the section fits the demo's two-minute budget with activations not cached. It
shows the same accuracy-vs-layer figure with the null band, the potential V(sigma, l) and the
headline table as the command's report, and says that this is a subset and what the full run found
(README, "Held-out sense readout across layers"). The run's readout.json, readout.parquet, figures
and report.html stay in the section's directory; activations go to the semphys activation cache.
"""

import json
from pathlib import Path

from semphys.experiments import execute
from semphys.experiments.demo.context import DemoContext
from semphys.experiments.phase import readout
from semphys.experiments.phase.readout import ReadoutConfig
from semphys.experiments.phase.readout_report import claims_table, document_claims, headline_rows

MODELS = ("embedded", "minilm")
N_WORDS = 10
"""WordNet nouns of the demo subset (the full run: every usable noun, 1,068)."""
DEMO_SCALE = {"n_null": 100, "n_null_pooled": 1000, "n_bootstrap": 200, "n_bimodal_null": 200}
"""Null draws per word, pooled null draws of the findings, bootstrap resamples, bimodality shuffles (the command's
defaults: 200, 2000, 1000, 200)."""
FULL_COMMAND = "semphys phase readout --model embedded --model minilm --all --out DIR"
FULL_RUN = (
    "The full run's findings table is in the README ('Held-out sense readout across layers'; 1,068 nouns, "
    "4,352 items). Every row there and here is an evidence claim: a landmark picked across layers must beat "
    "the max over layers of both nulls, with its word-bootstrap interval above the nulls' medians; the peak "
    "is picked on half the words and scored on the others; all findings of both models are Holm-adjusted "
    "together."
)


def run(ctx: DemoContext, n_words: int = N_WORDS, cache_root: Path | None = None) -> None:
    """cache_root: the activation cache (None: the semphys cache; a directory, e.g. to time a cold run)."""
    config = ReadoutConfig(
        models=MODELS, out=ctx.work_dir, cache_root=cache_root, n_words=n_words, seed=ctx.seed, **DEMO_SCALE
    )
    ctx.config.update(
        models=list(MODELS), n_words=n_words, pos=list(config.pos), **DEMO_SCALE, primary_variant=config.primary_variant
    )
    execute(readout.COMMAND, config, readout.run, log=ctx.log)
    report = ctx.work_dir / "report.html"
    document = json.loads((ctx.work_dir / "readout.json").read_text(encoding="utf-8"))
    n_items = {m["spec"]: m["n_items"] for m in document["models"]}
    n_blind = {m["spec"]: m["n_blind"] for m in document["models"]}
    ctx.config["n_items"] = n_items
    ctx.config["forwarded"] = {m["spec"]: m["capture"]["n_forwarded"] for m in document["models"]}
    section = ctx.section
    section.text(
        f"Demo scale: a subset of {n_words} WordNet nouns (the ones with the most senses; "
        + ", ".join(
            f"{spec}: {n} test items"
            + (f", {n_blind[spec]} of them causal-blind and reported apart" if n_blind[spec] else "")
            for spec, n in n_items.items()
        )
        + f"), {DEMO_SCALE['n_null']} null draws per word, {DEMO_SCALE['n_bootstrap']} bootstrap resamples "
        f"and {DEMO_SCALE['n_bimodal_null']} bimodality shuffles. With so few words the intervals are wide "
        f"and the first-above-null layers are noisy: read this as what the measurement looks like, not as "
        f"its answer. The full run is `{FULL_COMMAND}`."
    )
    section.text(FULL_RUN)
    ctx.add_claims(document["claims"])
    claims_table(
        section,
        document_claims(document, "finding"),
        caption=f"Findings at the primary variant {config.primary_variant}, sighted items (Gemma's "
        "causal-blind items are left out), both models decided together.",
    )
    section.table(
        headline_rows(document), caption="Landmarks (the half-rise l_c is descriptive; peak - output is held out)."
    )
    section.figure(
        ctx.work_dir / "readout.png",
        "Held-out accuracy against relative depth l/L, both models, with the "
        "95% bootstrap band (shaded) and the null band (hatched: median to p95 of the larger null).",
    )
    potential = ctx.work_dir / "potential.png"
    if potential.is_file():
        section.figure(
            potential,
            "V(sigma, l) = -log P(sigma, l) as a layer x sigma heat map, V at four layers, "
            "and the share of bimodal words (BIC) against its shuffled-label null.",
        )
    else:
        section.text("No word of the subset has two leave-one-out classes with enough sighted items: no potential.")
    section.text(
        f"Files: readout.json, readout.parquet, readout.png, potential.png and the command's own report "
        f"{report.relative_to(ctx.out_dir)} in this section's folder."
    )
