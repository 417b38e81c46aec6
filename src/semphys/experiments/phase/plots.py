"""The figures of a phase run, drawn from the results.json document (so they can be redrawn from it).

order_parameter.png           exp. 1: sigma per prompt and layer, primary variant, null bands
order_parameter_variants.png  exp. 1: every (mode, correction), declared prompts; direction alignment
fits.png                      exp. 2: declared prompts' sigma with their selected fits
critical_exponents.png        exp. 2-3: beta histogram per model; l_c / L per model
susceptibility.png            exp. 4: chi per hint and its mean; peak layer and l_c
phase_diagram.png             exp. 5: sigma over (context words x layer), sigma = 0 contour
qk_pca.png                    exp. 6: cumulative explained variance of W_QK, with the random null
qk_projection.png             exp. 6: share of e_A - e_B in the top W_QK directions per layer, with nulls
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from semphys.core.figures import save_figure
from semphys.phase.fits import curve

SENSE_COLOURS = ("tab:red", "tab:blue")
NEUTRAL_COLOUR = "black"
STYLES = {"strong": "-", "weak": "--", "neutral": ":", "declared": "-", "ambiguous": ":"}
NULL_RANDOM = "0.75"
NULL_SHUFFLE = "tab:orange"
DPI = 110


def _grid(n_rows: int, n_cols: int, width: float = 4.2, height: float = 3.0, **kwargs):
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(width * n_cols, height * n_rows), squeeze=False, **kwargs)
    return fig, axes


def _legend_below(ax, ncol: int = 2) -> None:
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, frameon=False)


def _integer_layers(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _nanmean(rows: list[list]) -> np.ndarray:
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    counts = np.isfinite(values).sum(axis=0)
    sums = np.where(np.isfinite(values), values, 0.0).sum(axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _colour(word: dict, prompt: dict) -> str:
    if prompt["sense"] is None:
        return NEUTRAL_COLOUR
    return SENSE_COLOURS[word["senses"].index(prompt["sense"])]


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
    fig, axes = _grid(len(models), len(words), height=4.6, sharey=True)
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
                    color=_colour(word, prompt),
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
            _integer_layers(ax)
            _legend_below(ax)
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
    fig, axes = _grid(len(models) * len(modes), len(corrections) + 1, width=3.6, height=2.7)
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
                                color=_colour(word, prompt),
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
                _integer_layers(ax)
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
            _integer_layers(ax)
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
    fig, axes = _grid(len(models), len(words), height=4.2, sharey=True)
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
                colour = _colour(word, prompt)
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
            _integer_layers(ax)
            _legend_below(ax, ncol=1)
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


def susceptibility_figure(doc: dict) -> plt.Figure:
    variant = doc["primary_variant"]
    models = doc["models"]
    words = doc["suite"]["words"]
    fig, axes = _grid(len(models), len(words), height=3.8)
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
            _integer_layers(ax)
            _legend_below(ax, ncol=3)
            ax.grid(alpha=0.25)
    fig.suptitle(f"Susceptibility to one hint word ('<hint>. <base>'), variant {variant}", fontsize=10)
    fig.tight_layout()
    return fig


def phase_diagram_figure(doc: dict) -> plt.Figure:
    variant = doc["primary_variant"]
    models = doc["models"]
    words = doc["suite"]["words"]
    fig, axes = _grid(len(models), len(words), width=5.2, height=3.6)
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


def qk_pca_figure(doc: dict) -> plt.Figure:
    models = {spec: m for spec, m in doc["models"].items() if m.get("qk_pca")}
    fig, axes = _grid(1, max(len(models), 1), width=5.2, height=3.8)
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
    fig, axes = _grid(len(sides), max(len(models), 1), width=4.6, height=3.2)
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
            _integer_layers(ax)
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


FIGURES = {
    "order_parameter": order_parameter_figure,
    "order_parameter_variants": variants_figure,
    "fits": fits_figure,
    "critical_exponents": critical_exponents_figure,
    "susceptibility": susceptibility_figure,
    "phase_diagram": phase_diagram_figure,
    "qk_pca": qk_pca_figure,
    "qk_projection": qk_projection_figure,
}


def make_figures(doc: dict, out_dir: Path) -> dict[str, Path]:
    """Draw every figure from a results document and write `<name>.png` into `out_dir`."""
    paths = {}
    for name, draw in FIGURES.items():
        if name in ("qk_pca", "qk_projection") and not any(m.get(name) for m in doc["models"].values()):
            continue
        paths[name] = save_figure(draw(doc), Path(out_dir) / f"{name}.png", DPI)
    return paths
