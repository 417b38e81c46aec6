"""Figures of an evaluation, drawn from the eval.json document (so they can be redrawn from it).

concept_accuracy.png   winner-probe accuracy next to its baselines
gate_scores.png        max_k Score_k of held-out real, random-token and shuffled windows, and theta
refinement_steps.png   steps to eps per variant, plain iteration and Anderson
residual_traces.png    median |S_{t+1} - S_t| per step, per variant and solver, and eps
stability.png          relative change of S_final and of S_0 under input noise of size sigma
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from semphys.core.figures import save_figure

VARIANT_COLOURS = {"standard": "tab:blue", "probe_specific": "tab:red"}
KIND_COLOURS = {"real": "tab:green", "random": "tab:gray", "shuffled": "tab:orange"}


def concept_accuracy(result: dict):
    c = result["concepts"]
    names = ["winner probe", "canonical argmax", "nearest centroid", "linear probe", "spec, untrained", "chance"]
    values = [
        c["winner_probe"],
        c["canonical_argmax"],
        c["baselines"]["nearest_centroid"],
        c["baselines"]["linear_probe"],
        c["baselines"]["spec_untrained_vitakka"],
        c["baselines"]["chance"],
    ]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    colours = ["tab:red", "tab:red", "0.45", "0.45", "0.7", "0.85"]
    ax.barh(names[::-1], values[::-1], color=colours[::-1])
    for y, v in enumerate(values[::-1]):
        ax.text(v + 0.01, y, f"{v:.3f}", va="center", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"held-out accuracy ({c['n_windows']} windows, {c['n_concepts']} concepts)")
    ax.set_title("Concept of the winning probe vs baselines on the same features")
    return fig


def gate_scores(result: dict):
    gate = result["gate"]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    every = np.concatenate([np.asarray(v) for v in gate["max_scores"].values()])
    bins = np.linspace(every.min(), every.max(), 40)
    for kind, values in gate["max_scores"].items():
        ax.hist(
            values,
            bins=bins,
            alpha=0.5,
            color=KIND_COLOURS.get(kind),
            label=f"{kind} (AUROC vs real {gate['auroc'].get(kind, float('nan')):.3f})" if kind != "real" else "real",
        )
    ax.axvline(gate["theta"], color="black", linestyle="--", label=f"theta = {gate['theta']}")
    ax.set_xlabel("max_k Score_k")
    ax.set_ylabel("windows")
    ax.legend(fontsize=8)
    ax.set_title("Gate: held-out real vs noise windows")
    return fig


def refinement_steps(result: dict):
    variants = {k: v["refinement"] for k, v in result["variants"].items() if v["refinement"].get("n_open")}
    fig, axes = plt.subplots(1, max(len(variants), 1), figsize=(4.5 * max(len(variants), 1), 3.2), squeeze=False)
    for ax, (variant, ref) in zip(axes[0], variants.items()):
        plain, accel = np.asarray(ref["steps_histogram"]), np.asarray(ref["anderson"]["steps_histogram"])
        x = np.arange(len(plain))
        ax.bar(x - 0.2, plain, width=0.4, color=VARIANT_COLOURS.get(variant), label="plain iteration")
        ax.bar(x + 0.2, accel, width=0.4, color="0.5", label="Anderson")
        ax.axvspan(4.5, 10.5, color="0.9", zorder=0, label="spec: 5-10 steps")
        ax.set_xlabel(f"G evaluations to eps = {ref['eps']:g}")
        ax.set_title(f"{variant}: median {ref['steps']['median']:g} (Anderson {ref['anderson']['steps']['median']:g})")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("gate-open windows")
    return fig


def residual_traces(result: dict):
    fig, ax = plt.subplots(figsize=(6, 3.4))
    eps = None
    for variant, entry in result["variants"].items():
        ref = entry["refinement"]
        if not ref.get("n_open"):
            continue
        eps = ref["eps"]
        for trace, style, name in (
            (ref["median_trace"], "-", "plain"),
            (ref["anderson"]["median_trace"], "--", "Anderson"),
        ):
            points = [(t + 1, r) for t, r in enumerate(trace) if r is not None and r > 0]
            if points:
                ax.semilogy(
                    *zip(*points), style, marker=".", color=VARIANT_COLOURS.get(variant), label=f"{variant}, {name}"
                )
    if eps is not None:
        ax.axhline(eps, color="black", linewidth=0.8, linestyle=":", label=f"eps = {eps:g}")
    ax.set_xlabel("step t")
    ax.set_ylabel("median |S_t - S_(t-1)|")
    ax.legend(fontsize=7)
    ax.set_title("Refinement residuals (windows still running)")
    return fig


def stability(result: dict):
    fig, ax = plt.subplots(figsize=(6, 3.4))
    drawn_s0 = False
    for variant, entry in result["variants"].items():
        rows = [r for r in entry.get("stability", []) if r["s_final_relative_change"] is not None]
        if not rows:
            continue
        sigma = [r["sigma"] for r in rows]
        ax.loglog(
            sigma,
            [r["s_final_relative_change"]["median"] for r in rows],
            "-o",
            color=VARIANT_COLOURS.get(variant),
            label=f"S_final, {variant}",
        )
        if not drawn_s0:  # the Vitakka, hence S_0, is shared by the variants
            ax.loglog(sigma, [r["s0_relative_change"]["median"] for r in rows], ":s", color="0.4", label="S_0")
            drawn_s0 = True
    ax.set_xlabel("input noise sigma (standardised units)")
    ax.set_ylabel("median relative change")
    ax.legend(fontsize=7)
    ax.set_title("Stability under input perturbation (same winner, gate open)")
    return fig


FIGURES = {
    "concept_accuracy": concept_accuracy,
    "gate_scores": gate_scores,
    "refinement_steps": refinement_steps,
    "residual_traces": residual_traces,
    "stability": stability,
}


def write_figures(result: dict, out_dir: Path) -> list[Path]:
    """Every figure of `FIGURES` as out_dir/<name>.png."""
    return [save_figure(draw(result), Path(out_dir) / f"{name}.png") for name, draw in FIGURES.items()]
