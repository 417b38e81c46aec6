"""Figures of experiments 4-5: how sigma responds to context, to one hint word (the susceptibility chi(l))
and to a growing context around the target (the phase diagram over context words and layer).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from semphys.experiments.phase.plots.style import axes_grid, integer_layers, legend_below


def susceptibility_figure(doc: dict) -> plt.Figure:
    variant = doc["primary_variant"]
    models = doc["models"]
    words = doc["suite"]["words"]
    fig, axes = axes_grid(len(models), len(words), height=3.8)
    for r, (spec, model) in enumerate(models.items()):
        layers = np.array(model["layers"])
        for c, name in enumerate(words):
            ax = axes[r, c]
            word = model["words"].get(name)
            entry = word["susceptibility"].get(variant) if word else None
            if entry is None:
                ax.text(0.5, 0.5, f"{name}: no hints", ha="center", transform=ax.transAxes)
                continue
            for hint, data in entry["hints"].items():
                ax.plot(layers, data["chi"], linewidth=0.9, alpha=0.8, label=f"hint: {hint}")
            ax.plot(layers, entry["mean_chi"], color="black", linewidth=2, label="mean chi")
            ax.axvline(entry["peak_layer"], color="black", linestyle=":", label=f"peak {entry['peak_layer']}")
            if entry["l_c"] is not None:
                ax.axvline(entry["l_c"], color="tab:red", linestyle="-.", label=f"l_c {entry['l_c']:.1f}")
            base = next(p["text"] for p in word["prompts"] if p["label"] == entry["base"])
            ax.set_title(f"{spec}: {name}, base {base!r}", fontsize=9)
            ax.set_xlabel("layer l")
            if c == 0:
                ax.set_ylabel("chi(l) = |sigma_hint - sigma_base|")
            integer_layers(ax)
            legend_below(ax, ncol=3)
            ax.grid(alpha=0.25)
    fig.suptitle(f"Susceptibility to one hint word ('<hint>. <base>'), variant {variant}", fontsize=10)
    fig.tight_layout()
    return fig


def phase_diagram_figure(doc: dict) -> plt.Figure:
    variant = doc["primary_variant"]
    models = doc["models"]
    words = doc["suite"]["words"]
    fig, axes = axes_grid(len(models), len(words), width=5.2, height=3.6)
    for r, (spec, model) in enumerate(models.items()):
        for c, name in enumerate(words):
            ax = axes[r, c]
            word = model["words"].get(name)
            diagram = word["phase_diagram"].get(variant) if word else None
            if diagram is None:
                ax.text(0.5, 0.5, f"{name}: no gradient", ha="center", transform=ax.transAxes)
                continue
            sigma = np.array(diagram["sigma"])
            limit = max(float(np.abs(sigma).max()), 1e-6)
            image = ax.imshow(
                sigma.T, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
            )
            if (sigma > 0).any() and (sigma < 0).any() and min(sigma.shape) > 1:
                ax.contour(sigma.T, levels=[0], colors="black", linewidths=1.2)
            columns = diagram["columns"]
            senses = [col["sense"] for col in columns]
            for i in range(1, len(columns)):
                if senses[i] != senses[i - 1]:
                    ax.axvline(i - 0.5, color="black", linewidth=2)
                if columns[i]["side"] == "right" and columns[i - 1]["side"] == "left":
                    ax.axvline(i - 0.5, color="0.3", linestyle=":", linewidth=1)
            ax.set_xticks(range(len(columns)), [f"{col['n_context']}" for col in columns], fontsize=6)
            starts = [i for i in range(len(columns)) if i == 0 or senses[i] != senses[i - 1]]
            for i in starts:
                ax.text(i, 1.02, senses[i], transform=ax.get_xaxis_transform(), fontsize=7)
            ax.set_xlabel(
                "context words around the target (left part grows first; dotted: words after it begin)", fontsize=6.5
            )
            ax.set_ylabel("layer l")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(f"{spec}: {name}", fontsize=9, pad=12)
            fig.colorbar(image, ax=ax, label="sigma")
    fig.suptitle(
        f"Phase diagram sigma(context, layer), variant {variant}; black line: sigma = 0 "
        "(columns of sense A's gradient, then sense B's)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
