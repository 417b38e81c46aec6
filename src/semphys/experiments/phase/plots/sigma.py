"""Figures of experiments 1-3: the order parameter sigma(l) per prompt with its null bands, in every
variant, with the selected fits, and the critical exponents and l_c / L per model.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from semphys.experiments.phase.plots.style import (
    NULL_RANDOM,
    NULL_SHUFFLE,
    STYLES,
    axes_grid,
    integer_layers,
    legend_below,
    prompt_colour,
)
from semphys.phase.fits import curve


def _nanmean(rows: list[list]) -> np.ndarray:
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    counts = np.isfinite(values).sum(axis=0)
    sums = np.where(np.isfinite(values), values, 0.0).sum(axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _bands(ax, controls: dict, layers: np.ndarray) -> None:
    random, shuffle = controls["random_directions"], controls["label_shuffle"]
    if random["low"]:
        ax.fill_between(
            layers,
            random["low"],
            random["high"],
            color=NULL_RANDOM,
            alpha=0.6,
            linewidth=0,
            label="null: random directions (95%)",
        )
    if shuffle["low"]:
        ax.fill_between(
            layers,
            shuffle["low"],
            shuffle["high"],
            color=NULL_SHUFFLE,
            alpha=0.18,
            linewidth=0,
            label="null: shuffled sense labels (95%)",
        )


def order_parameter_figure(doc: dict) -> plt.Figure:
    variant = doc["primary_variant"]
    models = doc["models"]
    words = doc["suite"]["words"]
    fig, axes = axes_grid(len(models), len(words), height=4.6, sharey=True)
    for r, (spec, model) in enumerate(models.items()):
        layers = np.array(model["layers"])
        for c, name in enumerate(words):
            ax = axes[r, c]
            word = model["words"].get(name)
            if word is None:
                ax.text(0.5, 0.5, f"{name}: skipped on {spec}", ha="center", transform=ax.transAxes)
                continue
            _bands(ax, word["controls"][variant], layers)
            for prompt in word["prompts"]:
                label = prompt["label"] + (" (= base, causal)" if prompt["blind"] else "")
                ax.plot(
                    layers,
                    prompt["sigma"][variant],
                    STYLES.get(prompt["strength"], "-"),
                    marker="o",
                    markersize=2.5,
                    color=prompt_colour(word, prompt),
                    label=label,
                    linewidth=1.3,
                    alpha=0.55 if prompt["blind"] else 1.0,
                )
            l_c = word["critical_layer"][variant]
            if l_c is not None:
                ax.axvline(l_c, color="0.3", linestyle="-.", linewidth=0.8, label=f"l_c = {l_c:.1f}")
            ax.axhline(0, color="0.5", linewidth=0.6)
            ax.set_title(f"{spec}: {name} (+ {word['senses'][0]} / - {word['senses'][1]})", fontsize=9)
            ax.set_xlabel("layer l")
            if c == 0:
                ax.set_ylabel(f"sigma(l), {variant}")
            integer_layers(ax)
            legend_below(ax)
            ax.grid(alpha=0.25)
    fig.suptitle(
        "Order parameter sigma(l) = cos(phi, e_A) - cos(phi, e_B); bands: what sigma looks like with no signal",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def variants_figure(doc: dict) -> plt.Figure:
    models = doc["models"]
    modes = list(dict.fromkeys(v.split("/")[0] for v in doc["variants"]))
    corrections = list(dict.fromkeys(v.split("/")[1] for v in doc["variants"]))
    fig, axes = axes_grid(len(models) * len(modes), len(corrections) + 1, width=3.6, height=2.7)
    for r, (spec, model) in enumerate(models.items()):
        layers = np.array(model["layers"])
        for m, mode in enumerate(modes):
            row = r * len(modes) + m
            for c, correction in enumerate(corrections):
                ax = axes[row, c]
                variant = f"{mode}/{correction}"
                for word in model["words"].values():
                    for prompt in word["prompts"]:
                        if prompt["sense"] is not None:
                            ax.plot(
                                layers,
                                prompt["sigma"][variant],
                                STYLES.get(prompt["strength"], "-"),
                                color=prompt_colour(word, prompt),
                                linewidth=0.9,
                                alpha=0.8,
                            )
                    shuffle = word["controls"][variant]["label_shuffle"]
                    if shuffle["low"]:
                        ax.fill_between(
                            layers, shuffle["low"], shuffle["high"], color=NULL_SHUFFLE, alpha=0.1, linewidth=0
                        )
                ax.axhline(0, color="0.5", linewidth=0.6)
                ax.set_title(f"{spec}: {variant}", fontsize=8)
                ax.set_xlabel("layer l", fontsize=7)
                if c == 0:
                    ax.set_ylabel("sigma (red: A declared, blue: B)", fontsize=7)
                ax.tick_params(labelsize=7)
                integer_layers(ax)
                ax.grid(alpha=0.25)
            ax = axes[row, -1]
            if m == 0:
                for correction, style in zip(corrections, (":", "--", "-")):
                    rows = [w["direction_alignment"][correction] for w in model["words"].values()]
                    ax.plot(layers, _nanmean(rows), style, marker="o", markersize=2, label=correction)
                ax.set_ylim(-0.1, 1.05)
                ax.set_title(f"{spec}: final-layer directions vs layer l", fontsize=8)
                ax.set_ylabel("cos(e_A - e_B at l, at L)\nmean over words", fontsize=7)
            else:
                for correction, style in zip(corrections, (":", "--", "-")):
                    ax.plot(
                        layers,
                        _sign_accuracy_by_layer(model, f"per-layer/{correction}"),
                        style,
                        marker="o",
                        markersize=2,
                        label=correction,
                    )
                ax.set_ylim(-0.05, 1.05)
                ax.axhline(0.5, color="0.5", linewidth=0.6)
                ax.set_title(f"{spec}: sign accuracy by layer (per-layer)", fontsize=8)
                ax.set_ylabel("declared prompts with\nsign(sigma) = sense", fontsize=7)
            ax.set_xlabel("layer l", fontsize=7)
            ax.tick_params(labelsize=7)
            integer_layers(ax)
            ax.legend(fontsize=6)
            ax.grid(alpha=0.25)
    fig.suptitle(
        "sigma of the declared-sense prompts in every variant (solid: strong, dashed: weak; orange: "
        "shuffled-label null, 95%)",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def _sign_accuracy_by_layer(model: dict, variant: str) -> np.ndarray:
    """Fraction of declared-sense prompts (not blind) whose sign matches their sense, per layer."""
    hits = []
    for word in model["words"].values():
        for prompt in word["prompts"]:
            if prompt["sense"] is None or prompt["blind"]:
                continue
            expected = 1 if prompt["sense"] == word["senses"][0] else -1
            hits.append(np.sign(np.asarray(prompt["sigma"][variant], dtype=float)) == expected)
    return np.mean(hits, axis=0) if hits else np.full(len(model["layers"]), np.nan)


def fits_figure(doc: dict) -> plt.Figure:
    variant = doc["primary_variant"]
    models = doc["models"]
    words = doc["suite"]["words"]
    fig, axes = axes_grid(len(models), len(words), height=4.2, sharey=True)
    for r, (spec, model) in enumerate(models.items()):
        layers = np.array(model["layers"], dtype=float)
        dense = np.linspace(layers.min(), layers.max(), 400)
        for c, name in enumerate(words):
            ax = axes[r, c]
            word = model["words"].get(name)
            if word is None:
                continue
            for prompt in word["prompts"]:
                if prompt["sense"] is None or prompt["blind"]:
                    continue
                colour = prompt_colour(word, prompt)
                fit = prompt["fits"][variant]
                best = fit[fit["best"]]
                ax.plot(layers, prompt["sigma"][variant], "o", color=colour, markersize=3)
                ax.plot(
                    dense,
                    curve(fit["best"], dense, best["params"]),
                    STYLES.get(prompt["strength"], "-"),
                    color=colour,
                    linewidth=1.1,
                    label=f"{prompt['label']}: {fit['best']}, R2 {best['r2']:.2f}, l_c {best['params']['l_c']:.1f}",
                )
            ax.axhline(0, color="0.5", linewidth=0.6)
            ax.set_title(f"{spec}: {name}", fontsize=9)
            ax.set_xlabel("layer l")
            if c == 0:
                ax.set_ylabel(f"sigma(l), {variant}")
            integer_layers(ax)
            legend_below(ax, ncol=1)
            ax.grid(alpha=0.25)
    fig.suptitle(
        f"Selected fits (by {doc['config']['selection'].upper()}) of the declared-sense prompts "
        "(points: measured sigma; prompts that equal the base prompt in a causal model left out)",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def critical_exponents_figure(doc: dict) -> plt.Figure:
    variant = doc["primary_variant"]
    models = doc["models"]
    fig, (ax_beta, ax_lc) = plt.subplots(1, 2, figsize=(11, 4))
    for k, (spec, model) in enumerate(models.items()):
        stats = model["summary"][variant]["critical_exponents"]
        edges = np.array(stats["edges"])
        colour = f"C{k}"
        if stats["n"]:
            ax_beta.stairs(
                stats["counts"],
                edges,
                color=colour,
                linewidth=1.6,
                label=f"{spec}: mean {stats['mean']:.2f}, std/mean {_num(stats['cv'])}, "
                f"{stats['n_at_bound']}/{stats['n']} at a bound",
            )
        null = model["summary"][variant]["null"]["label_shuffle_exponents"]
        if null and null["n"]:
            counts = np.array(null["counts"], dtype=float) * stats["n"] / null["n"]
            ax_beta.stairs(
                counts,
                np.array(null["edges"]),
                color=colour,
                linestyle=":",
                linewidth=1.2,
                label=f"{spec} shuffled-label null (rescaled), std/mean {_num(null['cv'])}",
            )
        ratios = []
        for word in model["words"].values():
            for prompt in word["prompts"]:
                if prompt["sense"] is None:
                    continue
                fit = prompt["fits"][variant]
                ratios.append(fit[fit["best"]]["params"]["l_c"] / model["facts"]["n_layers"])
        jitter = np.random.default_rng(k).uniform(-0.12, 0.12, len(ratios))
        ax_lc.plot(np.full(len(ratios), k) + jitter, ratios, "o", color=f"C{k}", alpha=0.6, label=f"{spec} prompts")
        median = model["summary"][variant]["lc_over_L"]
        if median is not None:
            ax_lc.hlines(median, k - 0.3, k + 0.3, color="black", linewidth=2)
            ax_lc.text(k + 0.32, median, f"median {median:.2f}", va="center", fontsize=8)
    ax_beta.axvline(0.5, color="tab:red", linestyle="--", label="mean field beta = 1/2")
    ax_beta.set(
        xlabel="critical exponent beta (second-order fit)",
        ylabel="prompts",
        title="Distribution of critical exponents (declared-sense prompts)",
    )
    ax_beta.legend(fontsize=7)
    ax_lc.set_xticks(range(len(models)), list(models))
    ax_lc.set(ylabel="l_c / L (selected fit)", ylim=(-0.05, 1.05), title="Critical layer relative to depth")
    ax_lc.grid(alpha=0.25)
    fig.suptitle(f"variant {variant}", fontsize=9)
    fig.tight_layout()
    return fig
