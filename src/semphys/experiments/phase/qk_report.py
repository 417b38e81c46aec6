"""Figures and the report page of `semphys phase qk-pca` (spec 001 future experiments B and C), drawn from
the qk_pca.json document alone, so both can be redrawn from it.

    qk_spectra.png    B: cumulative explained variance per model (solid) and of its random null (dashed),
                      both forms, pooled groups thick; the spec's 90% and its 16-32 window marked
    qk_attention.png  C: attention shares of the top components' heads per model, beside uniform attention
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from semphys.core.figures import save_figure
from semphys.core.report import Report
from semphys.evidence import Claim, claim_table, findings_at_a_glance
from semphys.phase.qk.attention import CATEGORIES
from semphys.phase.qk.basis import COUNTS, TARGET

DPI = 110
FORM_TITLES = {
    "head_spec": "spec's form W_Q^T W_K (d_head x d_head, unit norm)",
    "residual": "residual form W_Q W_K^T (d_model x d_model, unit norm)",
}
CATEGORY_COLOURS = dict(zip(CATEGORIES, ("tab:purple", "tab:orange", "tab:green", "tab:red", "0.75")))


def _curve(ax, spectrum: dict, **style) -> None:
    cumulative = spectrum["cumulative"]
    ax.plot(np.arange(1, len(cumulative) + 1), cumulative, **style)


def spectra_figure(document: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, form in zip(axes[0], ("head_spec", "residual")):
        for k, (spec, model) in enumerate(document["models"].items()):
            curve, colour = model["curves"][form], colours[k % len(colours)]
            _curve(ax, curve["measured"], color=colour, lw=1.5, label=f"{spec} ({curve['n_samples']} heads)")
            _curve(ax, curve["random"], color=colour, lw=1, ls="--", alpha=0.7)
        if form == "head_spec":
            for group in document["pooled"]:
                _curve(
                    ax, group["measured"], color="black", lw=2.5, label=f"pooled {group['key']} ({group['n_samples']})"
                )
                _curve(ax, group["random"], color="black", lw=1.2, ls="--")
        ax.axhline(TARGET, color="0.3", lw=0.8, ls=":")
        ax.axvspan(*COUNTS, color="0.9", zorder=0)
        ax.set(
            xscale="log",
            xlabel="principal components",
            ylabel="cumulative explained variance",
            ylim=(0, 1.02),
            title=FORM_TITLES[form],
        )
        ax.title.set_fontsize(9)
        ax.legend(fontsize=6.5, loc="lower right")
        ax.grid(alpha=0.25)
    fig.suptitle(
        "Spec 001 exp. B: W_QK PCA per model (solid) and its random-weight null (dashed, same shapes); "
        "grey band: 16-32 components, dotted: 90%",
        fontsize=9.5,
    )
    fig.tight_layout()
    return fig


def attention_figure(document: dict) -> plt.Figure:
    models = document["models"]
    fig, axes = plt.subplots(1, len(models), figsize=(5.2 * len(models), 3.6), squeeze=False)
    for ax, (spec, model) in zip(axes[0], models.items()):
        attention = model["attention"]
        rows = [("uniform", attention["uniform"]), ("all heads", attention["all_heads"])]
        rows += [(f"PC{c['index']} ({c['explained']:.0%})", c["shares"]) for c in attention["components"]]
        left = np.zeros(len(rows))
        for category in CATEGORIES:
            values = np.array([shares[category] for _, shares in rows])
            ax.barh(range(len(rows)), values, left=left, color=CATEGORY_COLOURS[category], label=category)
            left += values
        ax.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set(xlim=(0, 1), xlabel="share of attention", title=spec)
        ax.legend(fontsize=6.5, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    fig.suptitle(
        "Spec 001 exp. C: where the heads that load most on each top W_QK component attend "
        "(built-in prompts and anchors)",
        fontsize=9.5,
    )
    fig.tight_layout()
    return fig


def write_figures(document: dict, out: Path) -> dict[str, Path]:
    return {
        "qk_spectra": save_figure(spectra_figure(document), Path(out) / "qk_spectra.png", DPI),
        "qk_attention": save_figure(attention_figure(document), Path(out) / "qk_attention.png", DPI),
    }


def _fraction(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def write_report(document: dict, figures: dict[str, Path], out: Path) -> Path:
    """OUT/report.html: experiment B's claims, spectra and controls, then experiment C's table."""
    models = list(document["models"])
    report = Report(
        "semphys phase qk-pca: the W_QK basis across models (spec 001, future experiments B and C)",
        subtitle=f"models {', '.join(models)}",
        provenance=document["provenance"],
    )
    findings_at_a_glance(
        report,
        [Claim.from_dict(row) for row in document["claims"]],
        "Experiment B's claims: does each model's top-k W_QK basis explain 90%, against random draws.",
    )
    _basis_section(
        report.section("Experiment B: does a small W_QK basis explain 90% across models?"), document, figures
    )
    _attention_section(report.section("Experiment C: what the top components attend to"), document, figures)
    s = report.section("Models")
    s.table(
        [
            {
                "model": spec,
                "architecture": m["facts"]["architecture"],
                "reader": m["facts"]["reader"],
                "layers": m["facts"]["n_layers"],
                "heads (q/kv)": f"{m['facts']['n_heads']}/{m['facts']['n_kv_heads']}",
                "d_head": m["facts"]["d_head"],
                "d_model": m["facts"]["d_model"],
                "matrices": m["n_matrices"],
            }
            for spec, m in document["models"].items()
        ]
    )
    return report.write(Path(out) / "report.html")


def _basis_section(s, document: dict, figures: dict[str, Path]) -> None:
    s.text(
        "Spec 001 asks whether 16 to 32 components of a PCA of the W_QK of many models explain 90% or more of "
        "their variance. Each head's matrix is scaled to unit norm first (the models' weight scales differ by "
        "orders of magnitude). A PCA of n matrices has n - 1 components; n independent random matrices need "
        "about 0.9 (n - 1) of them for 90%, so the random-weight null at the same n is what a claim must beat. "
        "'scrambled' is the model's own heads after a random orthogonal change of basis inside each head, which "
        "leaves every W_Q W_K^T unchanged: structure that survives it belongs to the function, structure it "
        "destroys belonged to the basis the weights happen to be written in."
    )
    claims = [Claim.from_dict(row) for row in document["claims"]]
    n_random = document["config"]["n_random"]
    columns, rows = claim_table(claims)
    s.table(
        rows,
        columns,
        caption=f"One claim per curve: 32 components explain >= 90% (the spec's threshold) and more "
        f"than random weights of the same shapes at the same number of matrices ({n_random} draws, so p >= "
        f"1/{n_random + 1} = {1 / (n_random + 1):.3g}), Holm over all rows; the interval is a delete-one-layer "
        "jackknife. With fewer than about 37 matrices the null reaches 90% too and the claim fails against it.",
    )
    held = [c for c in claims if c.holds]
    s.set_status("ok" if held else "warning", f"{len(held)} of {len(claims)} hold")
    s.table(
        [
            {
                "models": " + ".join(r["models"]),
                "form": r["form"],
                "matrices": r["n_samples"],
                "90% at (components)": r["components_to_target"],
                "at 16": _fraction(r["at_16"]),
                "at 32": _fraction(r["at_32"]),
                "random: 90% at": r["random_components_to_target"],
                "random at 32 (median of draws)": _fraction(r["random_draws_median_at_32"]),
                "scrambled at 32": _fraction(r["scrambled_at_32"]),
            }
            for r in document["summary"]
        ],
        caption="The spectra in numbers. 'random: 90% at' is the first random draw (the dashed curves); "
        "'scrambled' is descriptive, not a null: it keeps every head's function.",
    )
    s.figure(
        figures["qk_spectra"],
        "Cumulative explained variance against components (log scale), per model, and "
        "pooled over models of the same d_head (black).",
    )
    if document["side_by_side"]:
        s.text(
            "Not pooled (no other model given shares their d_head, so their d_head x d_head matrices live in "
            "spaces of different sizes): " + ", ".join(document["side_by_side"]) + ". The residual form is never "
            "pooled: two models' residual streams are written in unrelated bases."
        )


def _attention_section(s, document: dict, figures: dict[str, Path]) -> None:
    s.text(
        "For the top components of each model's PCA of its residual forms W_Q W_K^T (unit norm, the "
        "basis-invariant form), the heads with the largest |score| and where they attend on the built-in "
        "prompts and anchors: the first token (the sink), the previous token, the query's own word, the target "
        "word, or elsewhere (in that precedence). 'uniform' is attention spread evenly over the visible tokens, "
        "'all heads' the mean of every head: a component's heads stand out only against these."
    )
    s.figure(
        figures["qk_attention"],
        "Attention shares of the top components' heads (mean over their top heads), "
        "with uniform attention and the mean of all heads.",
    )
    rows = []
    for spec, model in document["models"].items():
        attention = model["attention"]
        for label, shares in (("uniform", attention["uniform"]), ("all heads", attention["all_heads"])):
            rows.append({"model": spec, "component": label, **{c: shares[c] for c in CATEGORIES}})
        for c in attention["components"]:
            heads = ", ".join(f"L{h['layer']}.H{h['head']} ({h['score']:+.2f})" for h in c["heads"])
            rows.append(
                {
                    "model": spec,
                    "component": f"PC{c['index']}",
                    "explained": c["explained"],
                    "heads": heads,
                    **{k: c["shares"][k] for k in CATEGORIES},
                    "kind": c["kind"],
                    "vs all heads": c["kind_vs_all"],
                }
            )
    s.table(
        rows,
        caption="Shares of attention per category (rows sum to 1); kind: the category most above its "
        "uniform share; vs all heads: the category most above the mean of all heads.",
    )
