"""Figures of experiment 6: the PCA of the attention bilinear forms W_QK with its random-weight null, and
the order direction's share in each block's top W_QK directions.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from semphys.experiments.phase.plots.style import axes_grid, integer_layers


def qk_pca_figure(doc: dict) -> plt.Figure:
    models = {spec: m for spec, m in doc["models"].items() if m.get("qk_pca")}
    fig, axes = axes_grid(1, max(len(models), 1), width=5.2, height=3.8)
    styles = {"residual": "-", "residual_unit": "--", "head_spec": ":"}
    labels = {
        "residual": "W_Q W_K^T (d_model^2)",
        "residual_unit": "same, unit Frobenius norm",
        "head_spec": "spec: W_Q^T W_K (d_head^2, basis-dependent)",
    }
    for k, (spec, model) in enumerate(models.items()):
        ax = axes[0, k]
        pca = model["qk_pca"]
        for form, style in styles.items():
            cumulative = pca["forms"][form]["cumulative"]
            ax.plot(np.arange(1, len(cumulative) + 1), cumulative, style, color="tab:blue", label=labels[form])
            null = pca["random_weights"][form]["cumulative"]
            ax.plot(
                np.arange(1, len(null) + 1),
                null,
                style,
                color="0.6",
                label="random weights, same shapes" if form == "residual" else None,
            )
        for n_comp, value in pca["forms"]["residual"]["at"].items():
            if value is not None:
                ax.plot(int(n_comp), value, "o", color="tab:blue")
                ax.annotate(
                    f"{value:.2f}", (int(n_comp), value), textcoords="offset points", xytext=(3, -10), fontsize=7
                )
        n = pca["forms"]["residual"]["n_samples"]
        ax.set(
            xlabel="principal components",
            ylabel="cumulative explained variance",
            ylim=(0, 1.02),
            title=f"{spec}: {pca['n_layers']} layers x {pca['n_heads']} heads = {n} forms "
            f"({pca['n_kv_heads']} KV head(s)/layer)",
        )
        ax.title.set_fontsize(8)
        ax.legend(fontsize=6.5, loc="lower right")
        ax.grid(alpha=0.25)
    fig.suptitle(
        "PCA of the attention bilinear forms W_QK over all layers and heads (grey: random-weight null)", fontsize=10
    )
    fig.tight_layout()
    return fig


def qk_projection_figure(doc: dict) -> plt.Figure:
    """Exp. 6: share of |e_A - e_B|^2 in the top k W_QK directions per layer, with the nulls' 5-95% bands."""
    models = {spec: m["qk_projection"] for spec, m in doc["models"].items() if m.get("qk_projection")}
    sides = ("query", "key")
    fig, axes = axes_grid(len(sides), max(len(models), 1), width=4.6, height=3.2)
    for col, (spec, projection) in enumerate(models.items()):
        layers = np.array(projection["layers"])
        for row, side in enumerate(sides):
            ax = axes[row, col]
            entry = projection["sides"][side]
            for j, k in enumerate(projection["ks"]):
                colour = f"C{j}"
                ax.plot(
                    layers, np.array(entry["measured"], dtype=float)[:, j], "-o", ms=3, color=colour, label=f"top {k}"
                )
                shuffled = entry["shuffled"]
                if shuffled["n_draws"]:
                    ax.fill_between(
                        layers,
                        np.array(shuffled["p5"], dtype=float)[:, j],
                        np.array(shuffled["p95"], dtype=float)[:, j],
                        color=colour,
                        alpha=0.15,
                    )
                ax.axhline(projection["expected_random"][j], color=colour, linestyle=":", linewidth=1)
            ax.set(
                xlabel="layer (residual read by the block)",
                ylabel="share of |e_A - e_B|^2",
                ylim=(0, 1),
                title=f"{spec}, {side} side",
            )
            ax.title.set_fontsize(9)
            integer_layers(ax)
            ax.grid(alpha=0.25)
            if row == 0 and col == 0:
                ax.legend(fontsize=7)
    fig.suptitle(
        "Order direction in the top k principal directions of each block's W_QK (dotted: random "
        "vectors, k/d; bands: shuffled-label directions, 5-95%)",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
