"""Figures and report.html of a WordNet-scale `phase run`, drawn from its results document alone.

    wordnet_curves.png         per model: the mean word curve (signed sigma) and the histogram of l_c/L
                               over words
    wordnet_phase_diagram.png  per model: pooled signed sigma over (words of context, layer), with the
                               critical line (where the sign settles)

The report leads with the answer in spec 001's three outcomes and its numbers.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from semphys.core.figures import save_figure
from semphys.core.report import Report
from semphys.evidence import Claim, claim_table


def _array(values: list | None) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in (values or [])], dtype=np.float64)


def curves_figure(document: dict, out: Path) -> Path:
    models = document["models"]
    fig, axes = plt.subplots(len(models), 2, figsize=(10, 3.2 * len(models)), squeeze=False)
    for row, (spec, model) in enumerate(models.items()):
        pooled = model["pooled"]
        curve = pooled["mean_word_curve"]
        ax = axes[row, 0]
        if curve["sigma"] is not None:
            ax.plot(curve["layers"], curve["sigma"], marker="o", color="tab:blue")
        half = pooled["mean_curve_half_rise_over_L"]["value"]
        if half is not None:
            ax.axvline(half * model["n_layers"], color="tab:red", linestyle="--", label="half-rise")
            ax.legend(fontsize=8)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set(title=f"{spec}: mean word curve ({pooled['n_words']} words)", xlabel="layer", ylabel="signed sigma")
        ax = axes[row, 1]
        histogram = pooled["lc_over_L"]["histogram"]
        edges = np.array(histogram["edges"])
        ax.bar(edges[:-1], histogram["counts"], width=np.diff(edges), align="edge", color="tab:grey", edgecolor="k")
        ax.set(title=f"{spec}: l_c / L over words", xlabel="l_c / L", ylabel="words")
    fig.tight_layout()
    return save_figure(fig, out / "wordnet_curves.png")


def diagram_figure(document: dict, out: Path) -> Path | None:
    models = [(spec, m) for spec, m in document["models"].items() if m["pooled"]["critical_line"] is not None]
    if not models:
        return None
    fig, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 4), squeeze=False)
    for ax, (spec, model) in zip(axes[0], models):
        line = model["pooled"]["critical_line"]
        mean = np.array([_array(row) for row in line["mean"]])
        layers, counts = np.array(line["layers"]), np.array(line["n_context"])
        edge = max(float(np.nanmax(np.abs(mean))), 1e-6)
        image = ax.pcolormesh(counts, layers, mean.T, cmap="RdBu_r", vmin=-edge, vmax=edge, shading="nearest")
        settle = [(n, s) for n, s in zip(counts, line["settle_layer"]) if s is not None]
        if settle:
            ax.plot(*zip(*settle), color="k", marker="s", label="sign settled from")
            ax.legend(fontsize=8, loc="upper right")
        ax.set(title=f"{spec}: pooled signed sigma", xlabel="words of context", ylabel="layer")
        fig.colorbar(image, ax=ax)
    return save_figure(fig, out / "wordnet_phase_diagram.png")


def document_claims(document: dict, kind: str | None = None) -> list[Claim]:
    rows = [Claim.from_dict(row) for row in document["claims"]]
    return [c for c in rows if (c.kind == "exploratory") == (kind == "exploratory")]


def numbers_table(document: dict) -> list[dict]:
    rows = []
    for spec, model in document["models"].items():
        pooled, answer = model["pooled"], document["answers"][spec]
        own = pooled["beats_own_nulls"] or {}
        spread = pooled["beta_spread"] or {}
        chi = pooled["chi"] or {}
        rows.append(
            {
                "model": spec,
                "outcome": answer["outcome"],
                "words": pooled["n_words"],
                "items": pooled["n_items"],
                "beats own nulls (right / wrong way)": f"{own.get('k')} / {own.get('k_wrong_way')} of {own.get('n')}",
                "l_c/L median [IQR]": f"{pooled['lc_over_L']['median']:.3f} [{pooled['lc_over_L']['q25']:.3f}, "
                f"{pooled['lc_over_L']['q75']:.3f}]"
                if pooled["lc_over_L"]["median"] is not None
                else "n/a",
                "mean-curve half-rise / L": pooled["mean_curve_half_rise_over_L"]["value"],
                "abrupt share (null median)": f"{pooled['abruptness']['share']:.3f} ({pooled['abruptness']['null_median']})",
                "median R^2": pooled["r2"]["median"],
                "beta median (usable)": f"{pooled['beta'].get('median')} ({pooled['beta']['n_usable']})",
                "beta spread (null p)": f"{spread.get('value')} ({spread.get('null_p')})",
                "|chi peak - l_c| median": chi.get("median_distance"),
            }
        )
    return rows


def write_report(document: dict, out: Path) -> tuple[Path, dict[str, Path]]:
    """report.html and the figures; returns (report path, figures)."""
    out = Path(out)
    figures = {"curves": curves_figure(document, out)}
    diagram = diagram_figure(document, out)
    if diagram is not None:
        figures["phase_diagram"] = diagram
    report = Report(
        "Spec 001 at WordNet scale",
        subtitle=f"items {document['items']['source']}; primary variant "
        f"{document['primary_variant']}; Gemma weights are Q4_K_M de-quantized",
    )
    section = report.section("The answer")
    for line in document["headline"]:
        section.text(line)
    section.table(numbers_table(document), caption="Per model, the numbers behind the answer")
    section.text(
        "Outcomes (spec 001, 結果の解釈): "
        + "; ".join(f"{k}: {v}" for k, v in document["outcomes"].items())
        + ". Pre-registered in docs/findings/phase-preregistration.md."
    )
    columns, rows = claim_table(document_claims(document))
    section.table(rows, columns, caption="Claims (evidence.decide; Holm over the findings of both models)")
    section = report.section("Curves and critical layers")
    section.text(
        "Word curve: the mean signed sigma of a word's sighted judged items (WordNet example sentences of "
        "its two most frequent lexicographer files), gloss design, per-layer/standardised. l_c: half-rise "
        "of the AICc-selected fit (second order, tanh, step). Intervals resample words."
    )
    section.figure(figures["curves"], "Mean word curve with its half-rise; l_c/L over words.")
    section = report.section("Phase diagram: the critical line (exp. 5)")
    section.text(
        "Each judged sentence grows word by word around its target (left context first; a causal model "
        "only the left). Pooled over words; the line marks, per number of context words, the first layer "
        "from which the 95% interval's lower end stays above 0."
    )
    if diagram is not None:
        section.figure(diagram, "Pooled signed sigma over (context words, layer) with the critical line.")
    section.table(
        [
            {"model": spec, "n_context": n, "words": w, "sign settled from layer": s}
            for spec, m in document["models"].items()
            if m["pooled"]["critical_line"]
            for n, w, s in zip(
                m["pooled"]["critical_line"]["n_context"],
                m["pooled"]["critical_line"]["n_words"],
                m["pooled"]["critical_line"]["settle_layer"],
            )
        ]
    )
    section = report.section("Lexicographer classes, causal-blind items, leave-one-out design")
    section.table(
        [
            {"model": spec, "class": name, **values}
            for spec, m in document["models"].items()
            if m["pooled"]["classes"]
            for name, values in m["pooled"]["classes"]["classes"].items()
        ],
        caption="l_c/L per class (classes of 5 or more words)",
    )
    section.table(
        [
            {"model": spec, **{k: v for k, v in m["blind"].items() if k != "mean_curve"}}
            for spec, m in document["models"].items()
        ],
        caption="Causal-blind items (apart, never decided)",
    )
    columns, rows = claim_table(document_claims(document, "exploratory"))
    if rows:
        section.table(rows, columns, caption="Leave-one-out design (exploratory)")
    return report.write(out / "report.html"), figures
