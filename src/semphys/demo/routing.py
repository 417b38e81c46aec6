"""Demo section `routing`: the Omega router (spec 003) against softmax top-k routing, demo-sized.

`semphys routing compare` with one seed and 120 steps per variant: every variant of the full
comparison (dense, softmax, softmax with origin, Omega and its three ablations) on the same tokens.
One seed cannot give a spread, and 120 steps leave the models far from trained: the table shows what
is measured, the README gives the `--quick` figures over seeds.
"""

import dataclasses

from semphys.demo.context import DemoContext
from semphys.routing.compare import quick_compare, run_compare
from semphys.routing.plots import compare_figures
from semphys.textlm.data import ORIGIN_NAMES

_COLUMNS = ("val_ppl", "load_cv", "load_entropy", "dropped", "mi_bits", "mi_excess", "sensitivity_token_at",
            "sensitivity_token_after", "sensitivity_origin", "tokens_per_second")


def run(ctx: DemoContext, steps: int = 120) -> None:
    base = quick_compare(seeds=1)
    config = dataclasses.replace(base, seeds=(ctx.seed,), train=dataclasses.replace(base.train, steps=steps),
                                 metric_windows=128)
    ctx.config.update(dataclasses.asdict(config))
    result = run_compare(config, ctx.work_dir, progress=False)
    rows = []
    for variant, entry in result["summary"].items():
        row = {"variant": variant, "active params": entry["params_active"], "total params": entry["params_total"]}
        row.update({key: (entry[key]["mean"] if entry[key] is not None else "n/a") for key in _COLUMNS})
        rows.append(row)
    ctx.section.table(rows, caption=f"One seed, {steps} steps of 32 x 32 tokens per variant (demo scale). MI in "
                      "bits between origin (WordNet lexname) and first-choice expert, mean over layers; MI - null: "
                      "minus the same estimate with origins permuted; sensitivity: share of tokens whose top-k experts "
                      "change when one token (at it / after it) or the window's origin changes.")
    figures = compare_figures(result, list(ORIGIN_NAMES))
    captions = {"loss_curves.png": "Training loss per variant.",
                "expert_load.png": "Share of assignments per expert, per routed variant and layer.",
                "origin_expert.png": "P(first-choice expert | origin) in the layer of largest MI."}
    for name, fig in figures.items():
        ctx.figure(fig, captions[name], name.removesuffix(".png"))
    ctx.section.text("Files: results.json (schema in the README, section semphys routing) and runs/ (one JSON and "
                     "checkpoint per run).")
