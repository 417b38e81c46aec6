"""Dynamical checks: how a simulation moves against closed forms (spec 000 §4.2-4.3).

check_ou_autocorrelation  C(t)/C(0) near a vMF minimum against the RC response exp(-k t / eta)
check_fep_step_response   the FEP's EMA against the RC step response 1 - exp(-t / tau)
kramers_rate, check_kramers  escape rates over a double-well barrier against Kramers' formulas
weak_order_sweep, check_weak_order  the bias of E[mu . x_T] over dt: the weak order of the scheme
"""

import math

import numpy as np
import torch

from semphys.langevin.checks.measurement import Z_SIGMA, Measurement, band, last_axis
from semphys.langevin.sde import theory
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.fep import FloatingEquilibriumPoint, rc_step_response
from semphys.langevin.sde.potentials import DoubleWell, LinearPotential


def check_ou_autocorrelation(seed: int = 0) -> Measurement:
    """Tangent coordinate near a deep vMF minimum: C(t)/C(0) = exp(-k t / eta), tau = eta / k (RC time constant)."""
    d, kappa, temperature, eta = 3, 50.0, 0.1, 2.0
    tau = eta / kappa
    dt = tau / 100
    system = LangevinSystem(LinearPotential(last_axis(d), kappa), friction=eta, temperature=temperature)
    x0 = last_axis(d).expand(2000, d).clone()
    warm = simulate(system, x0, dt=dt, n_steps=500, seed=seed + 1, log_lambda=False)
    run = simulate(system, warm.x, dt=dt, n_steps=1500, seed=seed + 2, record_every=1, log_lambda=False)
    u = run.positions[:, :, :2].numpy()  # [T, n, 2] the two tangent coordinates at the minimum
    lags = np.arange(0, 301, 10)
    corr = _autocorrelation(u, lags)
    # standard error: the spread of the same curve over 10 disjoint groups of particles
    groups = np.stack([_autocorrelation(part, lags) for part in np.array_split(u, 10, axis=1)])
    stderr = groups.std(axis=0, ddof=1) / math.sqrt(len(groups))
    times = lags * dt
    expected = theory.ou_autocorrelation(times, kappa, eta)
    # Euler-Maruyama's exact error on the OU process: its autocorrelation decays as (1 - k dt / eta)^n
    bias = np.abs((1 - kappa * dt / eta) ** lags - expected)
    tolerance = Z_SIGMA * stderr + bias
    worst = int(np.argmax(np.abs(corr - expected) / np.where(tolerance > 0, tolerance, np.inf)))
    return Measurement(
        "ou_autocorrelation",
        "OU autocorrelation of a tangent coordinate = exp(-k t / eta) (RC response, "
        "tau = eta/k); worst lag up to 3 tau",
        float(corr[worst]),
        float(expected[worst]),
        float(tolerance[worst]),
        detail={
            "tau": tau,
            "dt": dt,
            "kappa": kappa,
            "eta": eta,
            "T": temperature,
            "z_sigma": Z_SIGMA,
            "stderr": float(stderr[worst]),
            "bias": float(bias[worst]),
            "lags_over_tau": (times / tau).tolist(),
            "measured_curve": corr.tolist(),
            "expected_curve": expected.tolist(),
        },
    )


def _autocorrelation(u: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """C(lag) / C(0) of [T, n, k] tangent coordinates, averaged over time origins, particles and coordinates."""
    return np.array([np.mean(u[: len(u) - lag] * u[lag:]) for lag in lags]) / np.mean(u * u)


FEP_ROUND_OFF = 1e-12
"""The EMA equals the RC response exactly; 200 float64 updates accumulate at most ~1e-14."""


def check_fep_step_response() -> Measurement:
    """The EMA with alpha = 1 - exp(-dt/tau) reproduces the RC step response at every grid point, for any dt."""
    worst = 0.0
    for dt, tau in ((0.01, 0.1), (0.3, 1.0), (2.0, 0.5)):
        fep = FloatingEquilibriumPoint(dt, tau)
        fep.update(torch.zeros(1, 1, dtype=torch.float64))
        times = torch.arange(1, 200, dtype=torch.float64) * dt
        response = torch.stack([fep.update(torch.ones(1, 1, dtype=torch.float64))[0, 0].clone() for _ in times])
        worst = max(worst, float((response - rc_step_response(times, tau)).abs().max()))
    return Measurement(
        "fep_rc_step_response",
        "FEP (EMA, alpha = 1 - exp(-dt/tau)) step response = RC 1 - exp(-t/tau), "
        "max error over dt/tau in {0.1, 0.3, 4}",
        worst,
        0.0,
        FEP_ROUND_OFF,
    )


def _transition_rate(
    system: LangevinSystem,
    scheme: str,
    dt: float,
    n: int,
    steps: int,
    seed: int,
    core_angle: float,
    burn_time: float = 10.0,
) -> tuple[float, int]:
    """Core-to-core transitions per unit time per particle, double well along the last axis, d = 2.

    The cores are tracked from the start but transitions are counted only after `burn_time`: by
    then every particle's "last core visited" is that of the stationary process (particles in
    transit over the barrier included), so the count is not biased low by the start in the wells.
    """
    z_core = math.cos(core_angle)
    gen = torch.Generator().manual_seed(seed)
    sign = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0).to(torch.float64)
    x0 = torch.stack([torch.zeros(n, dtype=torch.float64), sign], dim=1)
    burn = math.ceil(burn_time / dt)
    last = sign.clone()
    count = torch.zeros((), dtype=torch.long)

    def observe(step: int, t: float, x: torch.Tensor, v: torch.Tensor | None) -> None:
        nonlocal last, count
        z = x[:, 1]
        core = torch.where(z > z_core, 1.0, torch.where(z < -z_core, -1.0, 0.0)).to(torch.float64)
        if step > burn:
            count += ((core != 0) & (core != last)).sum()
        last = torch.where(core != 0, core, last)

    simulate(
        system,
        x0,
        dt=dt,
        n_steps=burn + steps,
        scheme=scheme,
        seed=seed + 2,
        observe=observe,
        log_lambda=False,
        check_stability=False,
    )
    transitions = int(count)
    return transitions / (n * steps * dt), transitions


KRAMERS_CORE = math.pi / 6
"""Cores: |theta| < 30 degrees around each well."""


def kramers_rate(
    beta_barrier: float, scheme: str = "overdamped", seed: int = 0, n: int = 8000, target_transitions: int = 1200
) -> dict:
    """Measured and theoretical escape rates for the double well on the circle at beta dU = `beta_barrier`.

    dU = 1, eta = 1 (overdamped) or m = 1, gamma = eta/m = 2 omega_b (underdamped); T = 1 / beta_barrier.
    The run is long enough for about `target_transitions` transitions.
    """
    barrier, temperature = 1.0, 1.0 / beta_barrier
    if scheme == "overdamped":
        eta, mass, dt = 1.0, 1.0, 0.01
        expected = theory.kramers_overdamped_exact(barrier, eta, temperature, KRAMERS_CORE)
        asymptotic = theory.kramers_overdamped_asymptotic(barrier, eta, temperature)
    else:
        mass, dt = 1.0, 0.05
        eta = 2 * math.sqrt(2 * barrier / mass) * mass
        expected = theory.kramers_underdamped(barrier, eta, mass, temperature)
        asymptotic = theory.kramers_underdamped_asymptotic(barrier, eta, mass, temperature)
    steps = math.ceil(target_transitions / (expected * n * dt))
    system = LangevinSystem(DoubleWell(last_axis(2), barrier), friction=eta, mass=mass, temperature=temperature)
    rate, transitions = _transition_rate(system, scheme, dt, n, steps, seed, KRAMERS_CORE)
    return {
        "beta_barrier": beta_barrier,
        "scheme": scheme,
        "measured": rate,
        "transitions": transitions,
        "stderr": rate / math.sqrt(max(transitions, 1)),
        "expected": expected,
        "asymptotic": asymptotic,
        "eta": eta,
        "mass": mass,
        "dt": dt,
        "steps": steps,
        "n": n,
    }


def check_kramers(scheme: str, seed: int = 0) -> Measurement:
    # about 1500 (overdamped) / 1000 (underdamped) transitions: standard errors 2.6% / 3.2%
    if scheme == "overdamped":
        result = kramers_rate(5.0, scheme, seed, n=8000, target_transitions=1500)
    else:
        result = kramers_rate(5.0, scheme, seed, n=6000, target_transitions=1000)
    if scheme == "overdamped":
        text = (
            "Kramers escape rate, double well on S^1, beta dU = 5, overdamped: core-to-core rate vs "
            "Kramers' integral (exact Smoluchowski) formula"
        )
    else:
        text = (
            "Kramers escape rate, beta dU = 5, g-BAOAB at gamma = 2 omega_b: vs Kramers' spatial-diffusion "
            "rate with the exact well population"
        )
    # relative standard error of a Poisson count, 1 / sqrt(transitions); no bias term (stricter)
    relative_se = 1 / math.sqrt(max(result["transitions"], 1))
    return Measurement(
        f"kramers_{scheme}",
        text,
        result["measured"],
        result["expected"],
        band(relative_se),
        relative=True,
        detail={**result, "z_sigma": Z_SIGMA, "relative_stderr": relative_se},
    )


def weak_order_sweep(seed: int = 0, n: int = 100_000) -> dict:
    """E[mu . x_T] of the overdamped vMF diffusion from mu . x_0 = -0.9 against the exact value, over dt.

    d = 3, kappa / eta = 2, D = 1, T_end = 1, dt = 1/8 ... 1/64. Starting near the antipode makes the
    O(dt) bias large (0.1 to 0.013) against the Monte-Carlo error (about 0.0016 with n = 1e5), so the
    fitted slope measures the bias, not noise. Returns errors, standard errors and the slope.
    """
    d, drift, diffusion, horizon, z0 = 3, 2.0, 1.0, 1.0, -0.9
    exact = theory.vmf_relaxation(d, drift, diffusion, z0, horizon)
    system = LangevinSystem(LinearPotential(last_axis(d), drift), friction=1.0, temperature=diffusion)
    start = torch.zeros(n, d, dtype=torch.float64)
    start[:, 0], start[:, -1] = math.sqrt(1 - z0**2), z0
    dts, means, errors, stderrs = [], [], [], []
    for i, n_steps in enumerate((8, 16, 32, 64)):
        dt = horizon / n_steps
        run = simulate(
            system, start, dt=dt, n_steps=n_steps, seed=seed + 10 * i, log_lambda=False, check_stability=False
        )
        z = run.x[:, -1]
        dts.append(dt)
        means.append(float(z.mean()))
        stderrs.append(float(z.std() / math.sqrt(n)))
        errors.append(abs(means[-1] - exact))
    log_dt, log_error = np.log(dts), np.log(errors)
    slope = float(np.polyfit(log_dt, log_error, 1)[0])
    # the slope's standard error from each point's: se(log error) = stderr / error, propagated through the fit
    centred = log_dt - log_dt.mean()
    slope_se = float(np.sqrt(np.sum((centred / np.sum(centred**2)) ** 2 * (np.array(stderrs) / errors) ** 2)))
    # higher-order terms bend the line over a finite range of dt: half the change of the local slope
    local = np.diff(log_error) / np.diff(log_dt)
    curvature = float(abs(local[0] - local[-1]) / 2)
    return {
        "dt": dts,
        "mean": means,
        "stderr": stderrs,
        "error": errors,
        "exact": exact,
        "slope": slope,
        "slope_stderr": slope_se,
        "local_slopes": local.tolist(),
        "curvature_bias": curvature,
        "n": n,
        "z0": z0,
    }


def check_weak_order(seed: int = 0) -> Measurement:
    sweep = weak_order_sweep(seed)
    return Measurement(
        "weak_order",
        "weak order of projected Euler-Maruyama: slope of log|E[mu.x_T] - exact| vs log dt (dt = 1/8 .. 1/64)",
        sweep["slope"],
        1.0,
        band(sweep["slope_stderr"], sweep["curvature_bias"]),
        detail={**sweep, "z_sigma": Z_SIGMA},
    )
