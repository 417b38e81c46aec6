"""Demo section `measure`: `semphys langevin measure` at demo scale on Gemma-3-270M.

Runs the experiment `semphys.experiments.langevin.measure` as `semphys langevin measure --model embedded` does,
with far fewer windows, shorter passages and fewer samples (`demo_config`), so both clocks fit the
demo's two-minute budget. Shows the claims table (one `evidence.Claim` per row, decided by the one
rule), the lines
of thought on their top two principal directions (real against simulated) and the per-layer
dispersion, and says that this is demo scale and what the full run found (README, "Is the model's
own inference this process?"). At this scale many rows have too little data to decide: the
README's default run (2,000 windows, T = 64) is the measurement. measure.json, report.html and the
figures stay in the section's directory; the forwards go to the semphys activation cache.
"""

import dataclasses
from pathlib import Path

from semphys.evidence import Claim, claim_table
from semphys.experiments import execute
from semphys.experiments.demo.context import DemoContext
from semphys.experiments.langevin.measure import COMMAND, MeasureConfig
from semphys.experiments.langevin.measure import run as measure
from semphys.langevin.measure.layer_time import LayerTimeConfig
from semphys.langevin.measure.token_time import TokenTimeConfig

MODEL = "embedded"
FULL_COMMAND = "semphys langevin measure --model embedded --out DIR"
FULL_RUN = (
    "The full run on Gemma-3-270M (2,000 windows, ranks 2-32, 40 passages of 64 tokens; 2026-12-07, docs' "
    "spec 000 findings page) holds 13 of 21 findings: spec 000 §4.2's overdamped Langevin (b) beats a random "
    "walk and a constant drift per layer on held-out increments (by 0.10 nats per dimension), depends on its "
    "layer (beats one landscape for all layers) and beats the Lines-of-Thought transport at the same rank "
    "budget; its ensembles match the pairwise angles but not the dispersion or mean direction; in token time "
    "both sqrt(p_t) and the residual direction relax against shuffled order and the FEP needs temporal order, "
    "while the temperature probe and the next-token KL rows fail."
)


def demo_config(out: Path, seed: int) -> MeasureConfig:
    """The demo scale: 96 windows, ranks 2 and 4, 8 passages of 24 tokens, 2 continuations at 2 temperatures."""
    layer = dataclasses.replace(LayerTimeConfig(), ranks=(2, 4), kl_windows=16, seed=seed)
    token = dataclasses.replace(
        TokenTimeConfig(),
        tokens=24,
        passages=8,
        samples=2,
        temperatures=(0.7, 1.5),
        max_lag=8,
        probe_samples=16,
        probe_temperatures=(0.25, 0.5, 1.0),
        lens_passages=2,
        prompt_tokens=8,
        seed=seed,
    )
    return MeasureConfig(models=(MODEL,), out=out, texts=96, layer=layer, token=token, seed=seed)


def run(ctx: DemoContext) -> None:
    config = demo_config(ctx.work_dir, ctx.seed)
    ctx.config.update(
        model=MODEL,
        texts=config.texts,
        tokens=config.token.tokens,
        passages=config.token.passages,
        samples=config.token.samples,
        temperatures=list(config.token.temperatures),
        ranks=list(config.layer.ranks),
        probe_samples=config.token.probe_samples,
    )
    document = execute(COMMAND, config, measure, log=ctx.log).document
    model = document["models"][0]
    claims = [Claim.from_dict(row) for row in model["claims"]]
    ctx.add_claims(claims)
    ctx.config["holds"] = sum(c.holds is True for c in claims)
    ctx.config["claims"] = len(claims)
    section = ctx.section
    section.text(
        f"Demo scale: {config.texts} WordNet windows (the default is 2,000), ranks "
        f"{list(config.layer.ranks)} for (a), (b) and the homogeneous null (the default grid goes to 32), "
        f"{config.token.passages} real passages of T = {config.token.tokens} tokens, {config.token.samples} "
        f"continuations at each T in {list(config.token.temperatures)}, {config.token.probe_samples} probe "
        f"samples per temperature. Too small to decide most claims: read the rows as what the verdict looks "
        f"like, not as its answer; where a row here and the full run disagree, the full run's is the answer. "
        f"The full run is `{FULL_COMMAND}`."
    )
    section.text(FULL_RUN)
    columns, rows = claim_table(claims)
    section.table(
        rows,
        columns,
        caption=f"{MODEL}: one row per claim of spec 000; a claim holds only when its interval clears every "
        f"null and every null is beaten after Holm's adjustment ({ctx.config['holds']} of "
        f"{len(claims)} hold at this scale).",
    )
    section.figure(
        ctx.work_dir / "model0-0.png",
        "Held-out lines of thought (the last token's residual direction "
        "across layers) on their top two principal directions: real (left) against ensembles simulated "
        "from the fitted overdamped Langevin (b) from the same layer-0 states (right).",
    )
    section.figure(
        ctx.work_dir / "model0-1.png",
        "Per-layer dispersion 1 - |mean direction| of the held-out "
        "windows, real against each fitted model's simulated ensembles.",
    )
    section.text(
        "Files: measure.json (schema langevin/measure/measure.schema.json), report.html with every figure "
        "of both clocks, and the PNG figures in this section's folder."
    )
