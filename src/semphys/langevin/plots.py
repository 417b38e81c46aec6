"""Figures of the Langevin subsystem; each function takes measured data and returns a matplotlib Figure.

trajectories_on_sphere       paths of a few particles on S^2 (3-D view)
stationary_histogram         histogram of mu . x against the vMF density of mu . x
fep_vs_raw                   one coordinate: raw trajectory, its FEP (EMA), and the RC prediction
kramers_vs_beta              escape rate against beta dU, log scale, with both Kramers formulas
weak_order_plot              |bias| against dt, log-log, with a slope-1 guide
temperature_probe_plot       KL(induced token law || q) against the end temperature
"""

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy.special import ive


def trajectories_on_sphere(paths: np.ndarray, title: str, wells: np.ndarray | None = None) -> Figure:
    """paths: [T, p, 3] positions of p particles; wells: [m, 3] points to mark."""
    fig = plt.figure(figsize=(5.2, 5))
    ax = fig.add_subplot(projection="3d")
    u, v = np.mgrid[0 : 2 * np.pi : 40j, 0 : np.pi : 20j]
    ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="0.85", linewidth=0.4)
    for i in range(paths.shape[1]):
        line = ax.plot(*paths[:, i].T, linewidth=0.8)[0]
        ax.scatter(*paths[0, i], color=line.get_color(), marker="o", s=14)
        ax.scatter(*paths[-1, i], color=line.get_color(), marker="x", s=20)
    if wells is not None:
        ax.scatter(*np.asarray(wells).T, color="k", marker="*", s=80, label="well centres")
        ax.legend(fontsize=7, loc="upper left")
    ax.set(xlabel="x1", ylabel="x2", zlabel="x3", title=title)
    ax.set_box_aspect((1, 1, 1))
    fig.tight_layout()
    return fig


def vmf_cosine_density(z: np.ndarray, d: int, kappa: float) -> np.ndarray:
    """Density of z = mu . x for x ~ vMF(mu, kappa) on S^(d-1): c e^{kappa z} (1 - z^2)^{(d-3)/2}."""
    from scipy.special import beta as beta_fn

    # normaliser: int e^{kz}(1-z^2)^{(d-3)/2} dz = B(1/2,(d-1)/2) Gamma(d/2) (2/k)^{d/2-1} I_{d/2-1}(k)
    nu = d / 2 - 1
    from scipy.special import gamma

    log_norm = (
        math.log(beta_fn(0.5, (d - 1) / 2))
        + math.log(gamma(d / 2))
        + nu * math.log(2 / kappa)
        + math.log(ive(nu, kappa))
        + kappa
    )
    return np.exp(kappa * z + (d - 3) / 2 * np.log(np.clip(1 - z**2, 1e-300, None)) - log_norm)


def stationary_histogram(
    samples: np.ndarray,
    d: int,
    beta_kappa: float,
    extra: dict | None = None,
    extra_theory: dict | None = None,
    title: str | None = None,
) -> Figure:
    """Histogram of mu . x samples against the vMF density.

    extra: {label: samples} more histograms; extra_theory: {label: beta_kappa} more vMF curves.
    """
    fig, ax = plt.subplots(figsize=(5.8, 3.8))
    bins = np.linspace(-1, 1, 61)
    ax.hist(samples, bins=bins, density=True, alpha=0.5, label=f"simulated ({len(samples):,} samples)")
    for label, values in (extra or {}).items():
        ax.hist(values, bins=bins, density=True, histtype="step", linewidth=1.3, label=label)
    z = np.linspace(-0.999, 0.999, 400)
    ax.plot(
        z, vmf_cosine_density(z, d, beta_kappa), "k", linewidth=1.2, label=f"vMF theory, beta kappa = {beta_kappa:g}"
    )
    for label, value in (extra_theory or {}).items():
        ax.plot(z, vmf_cosine_density(z, d, value), "k:", linewidth=1.2, label=label)
    ax.set(xlabel="mu . x", ylabel="density", title=title or f"Stationary distribution on S^{d - 1}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fep_vs_raw(
    times: np.ndarray, raw: np.ndarray, fep: np.ndarray, rc: np.ndarray | None, tau: float, switch: float | None = None
) -> Figure:
    """times [T]; raw, fep: [T] one coordinate of one particle; rc: [T] the RC prediction of the mean."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(times, raw, color="0.6", linewidth=0.6, label="raw trajectory x(t)")
    ax.plot(times, fep, color="C3", linewidth=1.6, label=f"FEP: EMA, tau = {tau:g}")
    if rc is not None:
        ax.plot(times, rc, "k--", linewidth=1.0, label="RC low-pass of the ensemble mean (theory)")
    if switch is not None:
        ax.axvline(switch, color="C0", linewidth=0.8, linestyle=":", label="U_perturb switched on")
    ax.set(xlabel="t", ylabel="coordinate", title="Floating equilibrium point vs raw trajectory")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def kramers_vs_beta(rows: Sequence[dict]) -> Figure:
    """rows: kramers_rate results (measured, stderr, expected, asymptotic, beta_barrier, scheme)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for scheme, marker, color in (("overdamped", "o", "C0"), ("underdamped", "s", "C1")):
        mine = sorted((r for r in rows if r["scheme"] == scheme), key=lambda r: r["beta_barrier"])
        if not mine:
            continue
        b = np.array([r["beta_barrier"] for r in mine])
        ax.errorbar(
            b,
            [r["measured"] for r in mine],
            yerr=[2 * r["stderr"] for r in mine],
            fmt=marker,
            color=color,
            label=f"{scheme}: measured (2 s.e.)",
        )
        grid = np.linspace(b.min() - 0.3, b.max() + 0.3, 50)
        from semphys.langevin.sde import theory

        if scheme == "overdamped":
            exact = [theory.kramers_overdamped_exact(1.0, mine[0]["eta"], 1 / g, math.pi / 6) for g in grid]
            asym = [theory.kramers_overdamped_asymptotic(1.0, mine[0]["eta"], 1 / g) for g in grid]
            ax.plot(grid, exact, color=color, label="Kramers, integral form (exact Smoluchowski)")
        else:
            exact = [theory.kramers_underdamped(1.0, mine[0]["eta"], mine[0]["mass"], 1 / g) for g in grid]
            asym = [theory.kramers_underdamped_asymptotic(1.0, mine[0]["eta"], mine[0]["mass"], 1 / g) for g in grid]
            ax.plot(grid, exact, color=color, label="Kramers, spatial diffusion (exact population)")
        ax.plot(grid, asym, color=color, linestyle="--", linewidth=0.9, label=f"{scheme}: asymptotic formula")
    ax.set(
        yscale="log",
        xlabel="beta dU",
        ylabel="escape rate (per unit time)",
        title="Kramers escape from a double well on S^1",
    )
    ax.legend(fontsize=6.5)
    fig.tight_layout()
    return fig


def weak_order_plot(sweep: dict) -> Figure:
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    dt, err = np.array(sweep["dt"]), np.array(sweep["error"])
    ax.errorbar(dt, err, yerr=2 * np.array(sweep["stderr"]), fmt="o", label=f"measured, slope {sweep['slope']:.2f}")
    ax.plot(dt, err[-1] * dt / dt[-1], "k--", linewidth=0.8, label="slope 1")
    ax.set(xscale="log", yscale="log", xlabel="dt", ylabel="|E[mu.x_T] - exact|", title="Weak order, overdamped")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def temperature_probe_plot(rows: Sequence[dict]) -> Figure:
    """rows: {method, temperature, kl} (and optionally kl_theory)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    for i, method in enumerate(methods):
        mine = sorted((r for r in rows if r["method"] == method), key=lambda r: r["temperature"])
        ax.plot(
            [r["temperature"] for r in mine],
            [max(r["kl"], 1e-5) for r in mine],
            marker="o",
            color=f"C{i}",
            label=method,
        )
        if any("kl_theory" in r for r in mine):
            ax.plot(
                [r["temperature"] for r in mine],
                [max(r["kl_theory"], 1e-5) for r in mine],
                color=f"C{i}",
                linestyle="--",
                linewidth=0.9,
                label=f"{method}: theory",
            )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="temperature T (end of step)",
        ylabel="KL(induced token law || q)",
        title="Temperature as a probe: what the token law becomes",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
