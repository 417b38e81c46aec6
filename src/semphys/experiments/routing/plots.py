"""Figures of a routing comparison: loss curves, expert load per router, origin x expert heatmaps."""

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from semphys.routing.variants import HEATMAP_VARIANTS  # noqa: E402


def loss_curves(result: dict[str, Any]) -> Figure:
    """Training cross-entropy per variant, mean over seeds, against the step."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for variant in result["summary"]:
        histories = [r["history"] for r in result["runs"] if r["variant"] == variant and r["history"]]
        if not histories:
            continue
        steps = [h["step"] for h in histories[0]]
        mean = np.mean([[h["ce"] for h in history] for history in histories], axis=0)
        ax.plot(steps, mean, label=variant, lw=1.2)
    ax.set_xlabel("step")
    ax.set_ylabel("training cross-entropy (nats / token)")
    ax.set_title("Loss curves (mean over seeds)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def expert_load(result: dict[str, Any]) -> Figure:
    """Share of assignments per expert, per routed variant and layer (first seed)."""
    routed = [r for r in result["runs"] if r["layers"] and r["seed"] == result["runs"][0]["seed"]]
    fig, axes = plt.subplots(1, max(1, len(routed)), figsize=(2.2 * max(1, len(routed)), 3), sharey=True, squeeze=False)
    for ax, run in zip(axes[0], routed):
        n_experts = len(run["layers"][0]["load"])
        width = 0.8 / len(run["layers"])
        for i, layer in enumerate(run["layers"]):
            ax.bar(np.arange(n_experts) + i * width, layer["load"], width, label=f"layer {i}")
        ax.axhline(1 / n_experts, color="grey", lw=0.8, ls=":")
        ax.set_title(run["variant"], fontsize=8)
        ax.set_xlabel("expert")
    axes[0][0].set_ylabel("share of assignments")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def origin_expert_heatmaps(
    result: dict[str, Any], origin_names: list[str], variants: tuple[str, ...] = HEATMAP_VARIANTS
) -> Figure:
    """P(first-choice expert | origin) in the layer of largest MI, for a few routers (first seed)."""
    chosen = [r for r in result["runs"] if r["variant"] in variants and r["seed"] == result["runs"][0]["seed"]]
    fig, axes = plt.subplots(1, max(1, len(chosen)), figsize=(3.2 * max(1, len(chosen)) + 2.5, 7), squeeze=False)
    fig.subplots_adjust(left=0.16, right=0.86, wspace=0.08)
    for i, (ax, run) in enumerate(zip(axes[0], chosen)):
        layer = max(run["layers"], key=lambda lay: lay["mi_bits"])
        counts = np.array(layer["origin_expert"], dtype=float)
        seen = counts.sum(axis=1) >= 20
        rows = counts[seen] / counts[seen].sum(axis=1, keepdims=True)
        image = ax.imshow(rows, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_yticks(range(int(seen.sum())))
        ax.set_yticklabels([n for n, s in zip(origin_names, seen) if s] if i == 0 else [], fontsize=6)
        ax.set_xlabel("expert")
        ax.set_title(f"{run['variant']}: MI {layer['mi_bits']:.3f} bits (null {layer['mi_null_bits']:.3f})", fontsize=8)
    fig.colorbar(image, cax=fig.add_axes([0.88, 0.3, 0.015, 0.4]), label="P(expert | origin)")
    return fig


def compare_figures(result: dict[str, Any], origin_names: list[str]) -> dict[str, Figure]:
    """Every figure of the comparison, by file name."""
    figures = {"loss_curves.png": loss_curves(result)}
    if any(r["layers"] for r in result["runs"]):
        figures["expert_load.png"] = expert_load(result)
        if any(r["variant"] in HEATMAP_VARIANTS for r in result["runs"]):
            figures["origin_expert.png"] = origin_expert_heatmaps(result, origin_names)
    return figures
