"""Figures and report.html of `semphys langevin measure` (spec 000 §4.2-4.5).

Figures per model: lines of thought on their top two principal directions, real against simulated
(only for models measured in this run: a resumed model's arrays are not stored); per-layer dispersion,
real against fitted; the token-time lag overlap with its fit; FEP prediction against tau with the
baselines; spread against T.
"""

from pathlib import Path

import numpy as np

from semphys.core.report.html import Report
from semphys.evidence import Claim, claim_table, findings_at_a_glance
from semphys.langevin.measure.layer_time import LayerTimeResult

ENSEMBLE_MODELS = ("langevin", "transport", "random_walk", "constant_drift", "deterministic")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _lines_figure(result: LayerTimeResult, title: str):
    plt = _plt()
    real = result.real
    flat = real.reshape(-1, real.shape[-1])
    mean = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat[:: max(1, len(flat) // 4000)] - mean, full_matrices=False)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharex=True, sharey=True)
    for ax, (name, lines) in zip(axes, (("real (held out)", real), ("simulated (b)", result.simulated["langevin"]))):
        coords = (lines - mean) @ vt[:2].T
        for row in coords[:40]:
            ax.plot(row[:, 0], row[:, 1], color="0.7", lw=0.6)
        ax.plot(coords.mean(axis=0)[:, 0], coords.mean(axis=0)[:, 1], "o-", color="C3", ms=3, label="mean")
        ax.set_title(f"{title}: {name}")
        ax.set_xlabel("PC 1")
    axes[0].set_ylabel("PC 2")
    axes[0].legend()
    return fig


def _dispersion_figure(section: dict, title: str):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    ensembles = section["ensembles"]
    layers = np.arange(1, len(ensembles["langevin"]["per_layer"]["dispersion_real"]) + 1)
    ax.plot(layers, ensembles["langevin"]["per_layer"]["dispersion_real"], "k-o", ms=3, label="real (held out)")
    for name in ENSEMBLE_MODELS:
        ax.plot(layers, ensembles[name]["per_layer"]["dispersion_simulated"], "--", label=name)
    ax.set_xlabel("layer")
    ax.set_ylabel("dispersion 1 - |mean direction|")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def _relaxation_figure(token: dict, title: str):
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, state in zip(axes, ("sqrt_p", "residual")):
        for i, (group, fits) in enumerate(token["relaxation"].items()):
            if fits is None:
                continue
            fit = fits[state]
            lags = np.array(fit["lags"])
            ax.plot(lags, fit["overlap"], "o", color=f"C{i}", ms=3, label=group)
            curve = fit["floor"] + fit["amplitude"] * np.exp(-lags / fit["tau_fitted"])
            ax.plot(lags, curve, "-" if fit["tau"] else ":", color=f"C{i}", lw=1)
        ax.set_xlabel("lag k (tokens)")
        ax.set_ylabel("mean overlap x_t . x_(t+k)")
        ax.set_title(f"{title}: {state} (pooled over sequences; solid: tau accepted)")
    axes[0].legend(fontsize=7)
    return fig


def _fep_figure(token: dict, title: str):
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, state in zip(axes, ("sqrt_p", "residual")):
        held = token["fep"][state]["held_out"]
        ax.semilogx(held["taus"], held["ema"], "o-", label="EMA (FEP)")
        ax.semilogx(held["taus"], held["shuffled"], "x--", label="EMA, shuffled order")
        ax.axhline(held["raw"], color="C2", ls=":", label="raw x_t")
        ax.axhline(held["running_mean"], color="C3", ls="-.", label="running mean")
        ax.set_xlabel("tau (tokens)")
        ax.set_ylabel("cosine with x_(t+1)")
        ax.set_title(f"{title}: {state}")
    axes[0].legend(fontsize=8)
    return fig


def _spread_figure(token: dict, title: str):
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, state in zip(axes, ("sqrt_p", "residual")):
        probe = token["temperature_probe"][state]
        t = np.array(probe["temperatures"])
        ax.plot(t, probe["spread"], "o", label="measured")
        ax.plot(t, probe["slope"] * t + probe["intercept"], "-", label=f"line, R^2 {probe['r_squared']:.2f}")
        ax.set_xlabel("sampling temperature T")
        ax.set_ylabel("spread tr Cov (top principal subspace)")
        ax.set_title(f"{title}: {state}")
        ax.legend(fontsize=8)
    return fig


def write_report(document: dict, arrays: dict[str, LayerTimeResult], out: Path) -> Path:
    """Write the figures (PNG) and OUT/report.html; returns the report's path."""
    report = Report(
        "Is the model's own inference a constrained Langevin process?",
        subtitle="semphys langevin measure (spec 000 §4.2-4.5)",
        provenance={k: document[k] for k in ("versions", "command", "date") if k in document},
    )
    findings_at_a_glance(
        report,
        [Claim.from_dict(row) for section in document["models"] for row in section["claims"]],
        "Spec 000's claims on each model's own inference, every model decided together "
        "(per-model tables and figures below).",
    )
    for index, section in enumerate(document["models"]):
        name = section["model"]
        part = report.section(f"{name}: claims")
        columns, rows = claim_table([Claim.from_dict(row) for row in section["claims"]])
        part.table(rows, columns)
        layer = report.section(f"{name}: layer clock")
        figures = [(_dispersion_figure(section["layer_time"], name), "per-layer dispersion, real vs fitted")]
        if name in arrays:
            figures.insert(0, (_lines_figure(arrays[name], name), "lines of thought on their top 2 PCs"))
        token = section["token_time"]
        if token is not None:
            figures += [
                (_relaxation_figure(token, name), "token-time overlap against lag, with fits"),
                (_fep_figure(token, name), "FEP prediction against tau, with baselines"),
                (_spread_figure(token, name), "spread against T (temperature probe)"),
            ]
        for number, (fig, caption) in enumerate(figures):
            layer.figure(fig, caption, save_to=out / f"model{index}-{number}.png")
    notes = report.section("claims not operationalised")
    notes.table(document["not_operationalised"])
    return report.write(out / "report.html")
