"""Figures of a sweep, drawn from the merged tables and summary (so they can be redrawn from disk).

universality.png   l_c/L per word against model depth and model size: median and quartiles
exponents.png      the distribution of fitted beta over words: ECDF of each word's median beta
                   with a 95% Dvoretzky-Kiefer-Wolfowitz band, and the per-prompt histogram
pass_rates.png     the share of words passing each criterion on its own, with Wilson 95% intervals
"""

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import EngFormatter, NullFormatter

from semphys.evidence import dkw_epsilon, wilson_interval
from semphys.experiments.sweep.merge import CRITERIA


def _word_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (settings, model, word): l_c/L of the word and its median beta."""
    words = (
        results.groupby(["settings", "model", "word"], sort=False)
        .agg(
            n_layers=("n_layers", "first"),
            n_params=("n_params", "first"),
            word_l_c=("word_l_c", "first"),
            beta=("beta", lambda b: float(np.nanmedian(b.to_numpy(dtype=float))) if b.notna().any() else np.nan),
        )
        .reset_index()
    )
    words["lc_over_L"] = words["word_l_c"] / words["n_layers"]
    return words


def universality_figure(results: pd.DataFrame, labels: dict[str, str]) -> plt.Figure:
    """l_c/L (median over words, quartile bars, words as faint points) against depth and size."""
    words = _word_table(results)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for k, (setting, group) in enumerate(words.groupby("settings", sort=False)):
        for ax, x in zip(axes, ("n_layers", "n_params")):
            per_model = group.groupby("model", sort=False)
            xs = per_model[x].first().to_numpy(dtype=float)
            q = per_model["lc_over_L"].quantile([0.25, 0.5, 0.75]).unstack().to_numpy()
            shift = 1 + 0.03 * k if x == "n_params" else 0.15 * k
            xk = xs * shift if x == "n_params" else xs + shift
            ax.errorbar(
                xk,
                q[:, 1],
                yerr=[q[:, 1] - q[:, 0], q[:, 2] - q[:, 1]],
                fmt="o",
                capsize=4,
                label=labels.get(setting, setting),
                color=f"C{k}",
            )
            for xm, (_, model_words) in zip(xk, per_model):
                jitter = np.random.default_rng(0).normal(0, 0.02, len(model_words)) * (xm if x == "n_params" else 1)
                ax.scatter(xm + jitter, model_words["lc_over_L"], s=6, alpha=0.25, color=f"C{k}")
            for name, xm, y in zip(per_model.groups, xk, q[:, 1]):
                ax.annotate(name, (xm, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    axes[0].set_xlabel("model depth L (layers)")
    axes[1].set_xlabel("model size (parameters)")
    axes[1].set_xscale("log")
    axes[1].xaxis.set_major_formatter(EngFormatter())
    axes[1].xaxis.set_minor_formatter(NullFormatter())
    axes[0].set_ylabel("l_c / L per word")
    for ax in axes:
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Universality (spec 001 exp. 3): critical layer over depth, per word")
    return fig


def exponents_figure(results: pd.DataFrame, labels: dict[str, str], beta_bounds: tuple[float, float]) -> plt.Figure:
    """ECDF of the per-word median beta with a 95% DKW band; histogram of per-prompt betas."""
    words = _word_table(results)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    series = list(words.groupby(["settings", "model"], sort=False))
    for k, ((setting, model), group) in enumerate(series):
        betas = np.sort(group["beta"].dropna().to_numpy(dtype=float))
        if betas.size == 0:
            continue
        ecdf = np.arange(1, betas.size + 1) / betas.size
        eps = dkw_epsilon(betas.size)
        name = f"{model} ({labels.get(setting, setting)})" if len(labels) > 1 else model
        axes[0].step(betas, ecdf, where="post", color=f"C{k}", label=f"{name}, {betas.size} words")
        axes[0].fill_between(
            betas, np.clip(ecdf - eps, 0, 1), np.clip(ecdf + eps, 0, 1), step="post", color=f"C{k}", alpha=0.15
        )
        prompts = results[(results["settings"] == setting) & (results["model"] == model)]
        axes[1].hist(
            prompts["beta"].dropna().to_numpy(dtype=float),
            bins=np.linspace(*beta_bounds, 21),
            histtype="step",
            color=f"C{k}",
            label=name,
        )
    axes[0].set_xlabel("median beta of a word's declared prompts")
    axes[0].set_ylabel("fraction of words")
    axes[0].set_title("ECDF with 95% DKW band", fontsize=9)
    axes[1].set_xlabel("beta (second-order fit, every prompt)")
    axes[1].set_ylabel("prompts")
    axes[1].set_title(f"bounds of the fit: {beta_bounds[0]} and {beta_bounds[1]}", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Critical exponent beta over words (spec 001 exp. 2)")
    return fig


def pass_rates_figure(summary: dict[str, Any], labels: dict[str, str]) -> plt.Figure:
    """Per criterion, the share of words that pass it on their own, per model and grid point."""
    bars = [
        (labels.get(setting, setting), model, info["word_pass_rate"])
        for setting, block in summary.items()
        for model, info in block["models"].items()
    ]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(CRITERIA) * max(1, len(bars)) / 2), 3.6))
    width = 0.8 / max(1, len(bars))
    for k, (setting, model, rates) in enumerate(bars):
        x = np.arange(len(CRITERIA)) + (k - (len(bars) - 1) / 2) * width
        frac = np.array([rates[c]["fraction"] if rates[c]["fraction"] is not None else np.nan for c in CRITERIA])
        ci = np.array([wilson_interval(rates[c]["held"], rates[c]["judged"]) for c in CRITERIA])
        ax.bar(x, frac, width, color=f"C{k}", label=f"{model} ({setting})" if len(labels) > 1 else model)
        # the Wilson bounds can sit a rounding error inside the fraction itself (0 or 1 of n): clip at 0
        error = np.maximum([frac - ci[:, 0], ci[:, 1] - frac], 0.0)
        ax.errorbar(x, frac, yerr=error, fmt="none", ecolor="black", capsize=2)
    ax.set_xticks(np.arange(len(CRITERIA)), CRITERIA)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of words passing")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title("Spec 001 success criteria judged word by word (Wilson 95% intervals)", fontsize=10)
    return fig
