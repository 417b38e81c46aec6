"""Figures and report.html of `semphys phase readout`, drawn from readout.json alone (spec 001 §実験1, §発展実験 A).

readout.png    accuracy vs relative depth l/L, both models on one axis, per design and metric,
               with the 95% bootstrap band and the nulls' band (median to p95, the larger null)
potential.png  per model: V(sigma, l) as a layer x sigma heat map, V at a few layers, and the
               share of bimodal words against its shuffled-label null
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from semphys.core.figures import save_figure
from semphys.core.report import Report
from semphys.evidence import Claim, claim_table, findings_at_a_glance

COLOURS = ("tab:blue", "tab:red", "tab:green", "tab:purple")
DPI = 110


def rows_of(document: dict, model: dict, variant: str | None = None, subset: str = "sighted") -> dict:
    """(design, metric) -> readout row of one model at the primary (or given) variant and subset."""
    variant = variant or document["primary"]["variant"]
    return {
        (r["design"], r["metric"]): r for r in model["readout"] if r["variant"] == variant and r["subset"] == subset
    }


def _array(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def readout_figure(document: dict, out: Path) -> Path:
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), squeeze=False, sharex=True)
    for row, design in enumerate(("gloss", "loo")):
        for col, metric in enumerate(("kway", "sign")):
            ax = axes[row, col]
            for colour, model in zip(COLOURS, document["models"]):
                found = rows_of(document, model).get((design, metric))
                if found is None:
                    continue
                depth = np.array(model["layers"]) / model["n_layers"]
                null_median = np.maximum(
                    _array(found["null_random"]["median"]), _array(found["null_shuffled"]["median"])
                )
                null_p95 = np.maximum(_array(found["null_random"]["p95"]), _array(found["null_shuffled"]["p95"]))
                ax.plot(
                    depth,
                    _array(found["accuracy"]),
                    "-o",
                    ms=3,
                    color=colour,
                    label=f"{model['spec']} ({found['n_words']} words, {found['n_items']} items)",
                )
                ax.fill_between(depth, _array(found["ci_low"]), _array(found["ci_high"]), color=colour, alpha=0.2)
                ax.fill_between(depth, null_median, null_p95, color=colour, alpha=0.12, hatch="//", lw=0)
                ax.plot(depth, null_p95, ":", color=colour, lw=1)
            ax.set_title(
                f"{design} directions, {'K-way nearest centroid' if metric == 'kway' else 'A vs B: sign(sigma)'}",
                fontsize=9,
            )
            ax.set_ylabel("held-out accuracy")
            ax.legend(fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("relative depth l / L")
    fig.suptitle(
        f"Sense readout ({document['primary']['variant']}; hatched: null median to p95, dotted: null p95)", fontsize=10
    )
    fig.tight_layout()
    return save_figure(fig, Path(out) / "readout.png", DPI)


def potential_figure(document: dict, out: Path) -> Path | None:
    models = [m for m in document["models"] if m["potential"] is not None]
    if not models:
        return None
    fig, axes = plt.subplots(len(models), 3, figsize=(13, 3.4 * len(models)), squeeze=False)
    for row, model in enumerate(models):
        pot = model["potential"]
        edges = _array(pot["sigma_edges"])
        centres = (edges[1:] + edges[:-1]) / 2
        v = np.array([_array(r) for r in pot["V"]])
        layers = np.array(model["layers"])
        ax = axes[row, 0]
        rows = np.arange(len(layers) + 1) - 0.5  # one row per layer read, labelled with its index
        mesh = ax.pcolormesh(edges, rows, v, shading="flat", cmap="viridis")
        ax.set_yticks(np.arange(len(layers)), [str(layer) for layer in layers], fontsize=6)
        fig.colorbar(mesh, ax=ax, label="V = -log P")
        ax.set_xlabel("sigma (A - B, held out)")
        ax.set_ylabel("layer")
        ax.set_title(f"{model['spec']}: V(sigma, l)", fontsize=9)
        ax = axes[row, 1]
        last = len(layers) - 1
        for position in sorted({0, last // 3, 2 * last // 3, last}):
            ax.plot(centres, v[position], "-", label=f"l = {layers[position]}")
        ax.set_xlabel("sigma")
        ax.set_ylabel("V")
        ax.legend(fontsize=7)
        ax = axes[row, 2]
        ax.plot(layers, _array(pot["bimodal_share"]), "-o", ms=3, color="black", label="bimodal share (BIC)")
        ax.fill_between(
            layers,
            _array(pot["bimodal_null"]["median"]),
            _array(pot["bimodal_null"]["p95"]),
            color="tab:orange",
            alpha=0.3,
            label="shuffled labels: median to p95",
        )
        if pot["readout_half_rise_layer"] is not None:
            ax.axvline(pot["readout_half_rise_layer"], color="tab:blue", ls="--", label="readout half-rise")
        ax.set_xlabel("layer")
        ax.set_title(f"{pot['n_words_tested']} words tested", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, Path(out) / "potential.png", DPI)


def _layers_read(document: dict) -> str:
    """`all` per model, or the chosen indices (`--layers`)."""
    return "; ".join(
        f"{m['spec']} " + ("all" if len(m["layers"]) == m["n_layers"] + 1 else ", ".join(map(str, m["layers"])))
        for m in document["models"]
    )


def headline_rows(document: dict) -> list[dict]:
    """The table of the README and the report: per model, design and metric, at the primary variant."""
    rows = []
    for model in document["models"]:
        for (design, metric), r in sorted(rows_of(document, model).items()):
            acc = _array(r["accuracy"])
            p95 = np.maximum(_array(r["null_random"]["p95"]), _array(r["null_shuffled"]["p95"]))
            peak = model["layers"].index(r["peak_layer"])  # its position on the layers read
            rows.append(
                {
                    "model": model["spec"],
                    "design": design,
                    "metric": metric,
                    "words": r["n_words"],
                    "items": r["n_items"],
                    "first above null": r["first_above_null"],
                    "half-rise l_c": r["half_rise_layer"],
                    "l_c/L": r["half_rise_ratio"],
                    "peak layer": r["peak_layer"],
                    "peak acc": round(float(acc[peak]), 3),
                    "null p95 at peak": round(float(p95[peak]), 3),
                    "output acc": round(float(acc[-1]), 3),
                    "peak - output": None if r["peak_minus_output"] is None else round(r["peak_minus_output"], 3),
                }
            )
    return rows


def document_claims(document: dict, kind: str | None = None) -> list[Claim]:
    """The document's claim rows (of one kind, or all), as `evidence.Claim`s in their stored order."""
    return [Claim.from_dict(row) for row in document.get("claims", []) if kind is None or row["kind"] == kind]


def claims_table(section, claims: list[Claim], caption: str | None = None) -> None:
    """`claims` rendered by the one renderer (`evidence.claim_table`) into a report section."""
    if claims:
        columns, rows = claim_table(claims)
        section.table(rows, columns, caption=caption)


def write_report(document: dict, out: Path) -> Path:
    out = Path(out)
    figures = {"readout": readout_figure(document, out), "potential": potential_figure(document, out)}
    report = Report(
        "Held-out sense readout across layers",
        subtitle=f"source {document['source']}; primary "
        f"variant {document['primary']['variant']}; Gemma weights are Q4_K_M de-quantized",
    )
    findings_at_a_glance(
        report,
        document_claims(document),
        "The readout's claims, both models decided together: "
        "findings on the primary variant's sighted items, the rest exploratory (details below).",
    )
    section = report.section("Where the sense becomes readable")
    if document["source"].startswith("prompts:"):
        section.text(
            "Test items are the prompts of the prompts file that declare a sense; classes are each word's "
            "two senses. gloss: directions from the senses' anchor sentences (never scored); loo: from the "
            "other prompts of the same sense (leave one out)."
        )
    else:
        section.text(
            "Test items are WordNet example sentences containing the lemma; classes are the lemma's "
            "lexicographer files. gloss: directions from gloss-context prompts (never scored); loo: from "
            "the other examples of the same word (leave one out)."
        )
    section.text(
        "Nulls: random directions and labels shuffled within each word, pooled over words; each pooled "
        "draw is joint over layers. A landmark picked across layers is judged against the max over layers "
        "(Westfall-Young maxT): 'first above null' is the first layer whose maxT p is at most 0.05 against "
        "both nulls and whose 95% interval (words resampled) lies above both nulls' medians; each row's "
        "detail also says whether that interval's lower end clears the larger null p95. The peak layer "
        f"is picked on half the words and scored on the other half ({document['split']['rule']}); "
        "peak - output is scored there too and set against the same statistic on the null draws, so it is "
        "not >= 0 by construction. Findings (primary variant, sighted items, both models) are decided "
        f"together: Holm over the document's findings. Layers read: {_layers_read(document)}."
    )
    claims_table(section, document_claims(document, "finding"), caption="Findings (evidence.decide)")
    section.table(
        headline_rows(document),
        caption="Landmarks at the primary variant (the half-rise l_c is "
        "descriptive: no null; peak - output is held out)",
    )
    section.figure(figures["readout"], "Accuracy vs relative depth with the 95% bootstrap band and the null band.")
    blind = [
        {
            "model": m["spec"],
            "blind items": m["n_blind"],
            "design": r["design"],
            "metric": r["metric"],
            "accuracy at output": round(r["accuracy"][-1], 3),
            "null p95 at output": round(max(r["null_random"]["p95"][-1], r["null_shuffled"]["p95"][-1]), 3),
        }
        for m in document["models"]
        for r in m["readout"]
        if r["subset"] == "blind" and r["variant"] == document["primary"]["variant"]
    ]
    section = report.section("Causal-blind items (reported apart)")
    section.text(
        "Items whose words before the target are all closed-class: a causal model's target cannot see a "
        "disambiguating word. Not part of the curves above."
    )
    section.table(blind)
    section = report.section("The potential V(sigma, l) (spec 001 future experiment A)")
    section.text(
        "V = -log P(sigma, l), T = 1, pooled over the loo design's sighted A/B items. Bimodality per word "
        "and layer: 1- vs 2-component Gaussian mixture by BIC; the null shuffles labels within words."
    )
    section.table(
        [
            {
                "model": m["spec"],
                "words tested": m["potential"]["n_words_tested"],
                "null draws": m["potential"]["bimodal_null"]["draws"],
                "first bimodal layer above null (maxT)": m["potential"]["first_bimodal_above_null"],
                "readout half-rise": m["potential"]["readout_half_rise_layer"],
            }
            for m in document["models"]
            if m["potential"] is not None
        ]
    )
    if figures["potential"] is not None:
        section.figure(figures["potential"], "V(sigma, l) heat map, V at four layers, bimodal share vs its null.")
    section = report.section("Other variants and the causal-blind items (exploratory)")
    section.text(
        "The same three rows for every direction mode and correction that is not the pre-declared primary "
        "variant, and for the causal-blind items: reported, never decided. Their pooled nulls pool draw b of "
        "every word (as many draws as per word)."
    )
    claims_table(section, document_claims(document, "exploratory"))
    section = report.section("Skipped words")
    section.text(
        f"{len(document['skipped'])} candidates skipped while building items; first 50 below. "
        f"{len(document['unscored'])} prompts of a prompts file read but not scored (no declared sense, "
        "or the text of an anchor)."
    )
    section.table(document["skipped"][:50])
    if document["unscored"]:
        section.table(document["unscored"][:50])
    return report.write(out / "report.html")
