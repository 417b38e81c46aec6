"""Figures of a cvfp run: loss curves, converged ratio per pass, perplexity beside the baselines."""

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
from matplotlib.figure import Figure  # noqa: E402


def loss_curves(train: dict[str, Any]) -> Figure:
    """Training cross-entropy against training tokens: CVFP Phase 1 (predictive) and 2, GRU, transformer."""
    fig, ax = plt.subplots(figsize=(7, 4))
    phase1 = train.get("phase1", {})
    offset = 0
    if phase1.get("history"):
        per = phase1["tokens"] / phase1["history"][-1]["step"]
        ax.plot(
            [h["step"] * per for h in phase1["history"]],
            [h["ce"] for h in phase1["history"]],
            label="CVFP phase 1 (predictive)",
        )
        offset = phase1["tokens"]
    phase2 = train.get("phase2", {})
    if phase2.get("history"):
        per = phase2["tokens"] / phase2["history"][-1]["step"]
        ax.plot(
            [offset + h["step"] * per for h in phase2["history"]],
            [h["ce"] for h in phase2["history"]],
            label="CVFP phase 2 (head on frozen contexts)",
        )
    for baseline in train.get("baselines", []):
        history = baseline["detail"].get("history") or []
        if history:
            per = baseline["train_tokens"] / history[-1]["step"]
            ax.plot([h["step"] * per for h in history], [h["ce"] for h in history], label=baseline["name"], alpha=0.8)
    ax.set_xlabel("training tokens")
    ax.set_ylabel("cross-entropy (nats / token)")
    ax.set_title("Training loss")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def converged_ratio_plot(result: dict[str, Any], train: dict[str, Any]) -> Figure:
    """Converged ratio per pass at fixed weights (eval) and, for the spec's methods, per Phase 1 iteration."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ratios = result["diagnostics"]["converged_ratios"]
    ax.plot(range(2, len(ratios) + 2), ratios, "o-", label="trained model, fixed weights (validation)")
    iterations = [r for r in train.get("phase1", {}).get("iterations", []) if "converged_ratio" in r]
    if iterations:
        ax.plot(
            [r["iteration"] for r in iterations],
            [r["converged_ratio"] for r in iterations],
            "s--",
            label="Phase 1 iterations (training)",
        )
    ax.axhline(0.95, color="grey", lw=0.8, ls=":", label="spec stop: 95%")
    ax.set_xlabel("pass / iteration")
    ax.set_ylabel("share of tokens with MSE < 0.02")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def perplexity_bars(result: dict[str, Any]) -> Figure:
    """Validation perplexity of the CVFP model and every baseline (log scale)."""
    names = ["CVFP", *result["baselines"]]
    values = [result["val_ppl"], *result["baselines"].values()]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    bars = ax.bar(names, values, color=["C3"] + ["C0"] * (len(names) - 1))
    for bar, value in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, value, f"{value:.1f}", ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("validation perplexity")
    fig.tight_layout()
    return fig


def figure_files(train: dict[str, Any]) -> list[str]:
    """The file names of `run_figures` (loss curves only when the run has a train.json)."""
    return ["perplexity.png", "converged_ratio.png", *(["loss_curves.png"] if train else [])]


def run_figures(train: dict[str, Any], result: dict[str, Any]) -> dict[str, Figure]:
    """Every figure of `semphys cvfp eval`, by file name (`figure_files`)."""
    figures = {"perplexity.png": perplexity_bars(result), "converged_ratio.png": converged_ratio_plot(result, train)}
    if train:
        figures["loss_curves.png"] = loss_curves(train)
    return figures
