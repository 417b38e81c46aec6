"""Demo section `routing`: the Omega router (spec 003) against softmax top-k routing, demo-sized.

`semphys routing compare` with one seed and 120 steps per variant: every variant of the full
comparison (dense, softmax, softmax with origin, Omega and its ablations) on the same tokens.
One seed cannot give a spread, and 120 steps leave the models far from trained: the table shows what
is measured, the README gives the `--quick` figures over seeds.
"""

import dataclasses

from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import to_json
from semphys.experiments.demo.context import DemoContext
from semphys.experiments.routing.compare import compare_runs
from semphys.experiments.routing.plots import compare_figures
from semphys.experiments.routing.report import CAPTION, claims_table, summary_rows
from semphys.routing.compare import quick_compare
from semphys.textlm.data import ORIGIN_NAMES

_FIGURE_CAPTIONS = {
    "loss_curves.png": "Training loss per variant.",
    "expert_load.png": "Share of assignments per expert, per routed variant and layer.",
    "origin_expert.png": "P(first-choice expert | origin) in the layer of largest MI.",
}


def run(ctx: DemoContext, steps: int = 120) -> None:
    base = quick_compare(seeds=1)
    config = dataclasses.replace(
        base, seeds=(ctx.seed,), train=dataclasses.replace(base.train, steps=steps), metric_windows=128
    )
    ctx.config.update(dataclasses.asdict(config))
    result = compare_runs(config, ctx.log, ctx.work_dir)
    write_text_atomic(ctx.work_dir / "results.json", to_json(result))
    ctx.section.table(
        summary_rows(result["summary"]),
        caption=f"One seed, {steps} steps of 32 x 32 tokens per variant (demo scale). {CAPTION}",
    )
    ctx.add_claims(result["claims"])
    columns, rows = claims_table(result)
    ctx.section.table(
        rows,
        columns,
        caption="Claims, each paired by seed (exact sign flip; a bootstrap over seeds); "
        f"findings Holm-adjusted together. {result['seed_floor']['note']}",
    )
    for name, fig in compare_figures(result, list(ORIGIN_NAMES)).items():
        ctx.figure(fig, _FIGURE_CAPTIONS[name], name.removesuffix(".png"))
    ctx.section.text(
        "Files: results.json (schema semphys.routing/3: src/semphys/experiments/routing/results.schema.json, "
        "README section semphys routing) and runs/ (one JSON and checkpoint per run)."
    )
