"""The simulator against theory: each check is one row of `semphys langevin validate` and one test.

Every check simulates a seeded, fixed-size problem (float64), measures one number and compares it
with a closed form from `semphys.langevin.sde.theory`. A statistical check's tolerance is computed in
the run, never written down: `Z_SIGMA` standard errors of the measurement (measured: batch means,
particle groups, Poisson counts or the fit's propagated error) plus the scheme's O(dt) bias at the
step used, where one is expected (`band`). The bias is measured in the same run by step doubling
(the same problem at 2 dt: for a scheme of weak order p the bias at dt is about (m(2dt) - m(dt)) /
(2^p - 1)) or taken from the scheme's exact error where one exists (Euler on the OU process).
Where a bias term is left out (Kramers rates, equipartition under g-BAOAB), the band is the
statistical one alone, which can only make the check stricter. Round-off checks (tangency,
constraint drift, the FEP's step response) compare with fixed float64 bounds. So a check can fail:
the position-dependent-friction check fails when the spurious drift is dropped
(`position_friction_uncorrected` shows that failure on purpose: it passes when the wrong scheme
lands on the wrong law it is predicted to land on).

Measurements (name: what is measured / expected):
    vmf_overdamped, vmf_underdamped   E[mu . x] / A_d(beta kappa), d = 3 and d = 8
    equipartition                     <|v|^2> / (d - 1) T / m, g-BAOAB
    tangency                          max |x . v| before re-projection / 0 (below 1e-10)
    constraint_drift                  max | |x|^2 - 1 | after the geodesic step / 0 (below 1e-10)
    position_friction                 E[mu . x] with eta = exp(a mu . x) / A_d(beta kappa)
    position_friction_uncorrected     the same without the spurious drift / A_d(beta kappa + a)
    ou_autocorrelation                C(t)/C(0) of a tangent coordinate near a vMF minimum /
                                      exp(-k t / eta), the RC response with tau = eta / k
    fep_rc_step_response              the EMA's step response / 1 - exp(-t / tau)
    kramers_overdamped                core-to-core rate, double well on the circle, beta dU = 5 /
                                      Kramers' integral (exact Smoluchowski) rate
    kramers_underdamped               the same with g-BAOAB at gamma = 2 omega_b / Kramers'
                                      spatial-diffusion rate with the exact well population
    weak_order                        slope of log |E[mu . x_T] - exact| against log dt / 1
"""

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import to_json
from semphys.core.provenance import collect_provenance
from semphys.core.rundir import check_run_dir, claim_run_dir
from semphys.evidence import Claim, check_claims, decide
from semphys.langevin.sde import theory
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.fep import FloatingEquilibriumPoint, rc_step_response
from semphys.langevin.sde.friction import ExponentialFriction
from semphys.langevin.sde.potentials import DoubleWell, LinearPotential
from semphys.langevin.sde.sphere import uniform_on_sphere

Z_SIGMA = 4.0
"""Standard errors in a statistical tolerance: a correct simulator fails a given row with probability
about 6e-5 (two-sided normal), about 1e-3 over the twelve rows."""


def band(stderr: float, bias: float = 0.0) -> float:
    """A statistical tolerance: `Z_SIGMA` standard errors plus the scheme's bias at the step used."""
    return Z_SIGMA * stderr + abs(bias)


def doubling_bias(at_dt: float, at_2dt: float, order: int) -> float:
    """Bias at dt of a weak-order-`order` scheme from the same measurement at dt and 2 dt (Richardson)."""
    return abs(at_2dt - at_dt) / (2**order - 1)


@dataclass
class Measurement:
    """One measurement of the validation against its closed form; its row is `claim()` (kind `check`)."""

    name: str
    description: str
    measured: float
    expected: float
    tolerance: float
    """Allowed |measured - expected| (absolute), or for `relative` checks |measured/expected - 1|."""
    relative: bool = False
    seconds: float = 0.0
    detail: dict = field(default_factory=dict)
    """Extra numbers (standard errors, parameters, the asymptotic formula, plot data)."""

    @property
    def deviation(self) -> float:
        if self.relative:
            return abs(self.measured / self.expected - 1)
        return abs(self.measured - self.expected)

    def claim(self) -> Claim:
        """The row as an `evidence.Claim` of kind `check`: |measured - expected| (relative where stated) below
        the tolerance computed in the run (undecided: `evidence.decide` fills `holds`)."""
        deviation = self.deviation if math.isfinite(self.measured) else None
        how = "relative deviation" if self.relative else "deviation"
        return Claim(f"{self.name}: {self.description}", "check", value=deviation, better="lower",
                     threshold=self.tolerance, threshold_source="semphys", key=self.name,
                     detail=f"{how} of measured {self.measured:.6g} from expected {self.expected:.6g}; tolerance "
                            f"computed in the run ({Z_SIGMA:g} standard errors plus the scheme's bias where one is "
                            "expected, or a float64 round-off bound)")

    def to_dict(self, with_detail: bool = True) -> dict:
        out = {k: v for k, v in asdict(self).items() if with_detail or k != "detail"}
        out["deviation"] = self.deviation
        if with_detail:
            out["detail"] = {k: v for k, v in self.detail.items() if not isinstance(v, (np.ndarray, torch.Tensor))}
        return out


def _axis(d: int) -> torch.Tensor:
    axis = torch.zeros(d, dtype=torch.float64)
    axis[-1] = 1.0
    return axis


class _Mean:
    """Running mean over observations of a per-particle quantity."""

    def __init__(self) -> None:
        self.batches: list[float] = []

    def add(self, values: torch.Tensor) -> None:
        self.batches.append(float(values.mean()))

    def result(self) -> tuple[float, float]:
        """Mean and a standard error from the spread of batch means (batches of 1/10 of the run)."""
        values = np.array(self.batches)
        blocks = np.array_split(values, min(10, len(values)))
        means = np.array([b.mean() for b in blocks])
        return float(values.mean()), float(means.std(ddof=1) / math.sqrt(len(means))) if len(means) > 1 else math.nan


def _stationary_mean(system: LangevinSystem, d: int, scheme: str, dt: float, n: int, burn: int, steps: int,
                     every: int, seed: int, ito_correction: bool = True, samples: list | None = None) -> tuple[float, float]:
    axis = _axis(d)
    mean = _Mean()
    x0 = uniform_on_sphere(n, d, torch.Generator().manual_seed(seed))
    warm = simulate(system, x0, dt=dt, n_steps=burn, scheme=scheme, seed=seed + 1, ito_correction=ito_correction,
                    log_lambda=False)

    def observe(step: int, t: float, x: torch.Tensor, v: torch.Tensor | None) -> None:
        z = x @ axis
        mean.add(z)
        if samples is not None:
            samples.append(z.clone())

    simulate(system, warm.x, v0=warm.v, dt=dt, n_steps=steps, scheme=scheme, seed=seed + 2, observe=observe,
             observe_every=every, ito_correction=ito_correction, log_lambda=False)
    return mean.result()


def _stationary_case(system: LangevinSystem, d: int, scheme: str, dt: float, burn: int, steps: int, every: int,
                     seed: int, order: int, ito_correction: bool = True, n: int = 3000,
                     samples: list | None = None) -> dict:
    """E[mu . x] at dt with its standard error, and the scheme's bias at dt by step doubling."""
    mean, se = _stationary_mean(system, d, scheme, dt, n=n, burn=burn, steps=steps, every=every, seed=seed,
                                ito_correction=ito_correction, samples=samples)
    doubled, _ = _stationary_mean(system, d, scheme, 2 * dt, n=n, burn=burn // 2, steps=steps // 2,
                                  every=max(every // 2, 1), seed=seed + 100, ito_correction=ito_correction)
    bias = doubling_bias(mean, doubled, order)
    return {"measured": mean, "stderr": se, "at_2dt": doubled, "bias": bias, "tolerance": band(se, bias), "dt": dt}


def _worst(cases: list[dict]) -> dict:
    """The case furthest outside (or least inside) its own tolerance."""
    return max(cases, key=lambda c: abs(c["measured"] - c["expected"]) / c["tolerance"])


def check_vmf(scheme: str, seed: int = 0) -> Measurement:
    """Stationary mean resultant length against A_d(beta kappa), d = 3 (beta kappa = 5) and d = 8 (beta kappa = 12)."""
    cases = []
    samples: list = []
    for d, kappa in ((3, 5.0), (8, 12.0)):
        system = LangevinSystem(LinearPotential(_axis(d), kappa), friction=1.0, mass=1.0, temperature=1.0)
        # g-BAOAB samples configurations with O(dt^2) error (Leimkuhler & Matthews): a larger step
        dt, burn, steps, order = (0.005, 600, 1200, 1) if scheme == "overdamped" else (0.05, 200, 1200, 2)
        case = _stationary_case(system, d, scheme, dt, burn, steps, 20, seed, order,
                                samples=samples if d == 3 else None)
        cases.append({"d": d, "beta_kappa": kappa, "expected": theory.mean_resultant_length(d, kappa), **case})
    worst = _worst(cases)
    label = "g-BAOAB" if scheme == "underdamped" else "projected Euler-Maruyama"
    return Measurement(
        name=f"vmf_{scheme}", description=f"vMF mean resultant length E[mu.x] = A_d(beta kappa), {label} (worst of "
        "d=3, d=8)", measured=worst["measured"], expected=worst["expected"], tolerance=worst["tolerance"],
        detail={"cases": cases, "z_sigma": Z_SIGMA, "z_samples_d3": torch.cat(samples).numpy()},
    )


def _underdamped_run(seed: int, d: int = 8, temperature: float = 0.5, mass: float = 2.0):
    system = LangevinSystem(LinearPotential(_axis(d), 4.0), friction=1.5, mass=mass, temperature=temperature)
    v2 = _Mean()
    x0 = uniform_on_sphere(4000, d, torch.Generator().manual_seed(seed))
    warm = simulate(system, x0, dt=0.02, n_steps=400, scheme="underdamped", seed=seed + 1, log_lambda=False)
    run = simulate(system, warm.x, v0=warm.v, dt=0.02, n_steps=1000, scheme="underdamped", seed=seed + 2,
                   observe=lambda s, t, x, v: v2.add((v * v).sum(-1)), observe_every=10, log_lambda=False)
    return v2.result(), run, theory.equipartition(d, temperature, mass), max(warm.stats.max_constraint_drift,
                                                                             run.stats.max_constraint_drift), \
        max(warm.stats.max_tangent_error, run.stats.max_tangent_error)


ROUND_OFF = 1e-10
"""Bound for quantities that are zero in exact arithmetic (float64 steps accumulate ~1e-16 per operation)."""


def check_equipartition(seed: int = 0) -> list[Measurement]:
    """<|v|^2> = (d-1) T / m with g-BAOAB, and the constraint kept: |x.v| and | |x|^2 - 1 |."""
    start = time.perf_counter()
    (v2, se), _, expected, drift, tangent = _underdamped_run(seed)
    seconds = time.perf_counter() - start
    params = {"d": 8, "temperature": 0.5, "mass": 2.0, "eta": 1.5, "dt": 0.02, "steps": 1400, "n": 4000}
    return [
        # relative: Z standard errors of <|v|^2> over its expected value; no bias term (stricter)
        Measurement("equipartition", "equipartition <|v|^2> = (d-1) T / m on S^7, g-BAOAB", v2, expected,
              band(se / expected), relative=True, seconds=seconds, detail={"stderr": se, "z_sigma": Z_SIGMA, **params}),
        # round-off bounds: the geodesic step is exact up to float64 rounding (about 1e-16 per operation)
        Measurement("tangency", "max |x.v| after the geodesic step (velocity stays tangent)", tangent, 0.0, ROUND_OFF,
              detail=params),
        Measurement("constraint_drift", "max | |x|^2 - 1 | produced by the geodesic step (before re-normalisation)",
              drift, 0.0, ROUND_OFF, detail=params),
    ]


def check_position_friction(seed: int = 0, ito_correction: bool = True) -> Measurement:
    """Overdamped, eta(x) = exp(a mu.x): with the spurious drift the law is vMF(beta kappa); without, vMF(beta kappa + a)."""
    d, kappa, a = 3, 2.0, 2.0
    system = LangevinSystem(LinearPotential(_axis(d), kappa), friction=ExponentialFriction(1.0, _axis(d), a),
                            temperature=1.0)
    samples: list = []
    case = _stationary_case(system, d, "overdamped", 0.004, 800, 1500, 15, seed, order=1,
                            ito_correction=ito_correction, n=4000, samples=samples)
    right, wrong = theory.mean_resultant_length(d, kappa), theory.mean_resultant_length(d, kappa + a)
    detail = {**case, "z_sigma": Z_SIGMA, "d": d, "beta_kappa": kappa, "a": a, "correct_law": right,
              "law_without_correction": wrong, "z_samples": torch.cat(samples).numpy()}
    if ito_correction:
        return Measurement("position_friction", "eta(x) = exp(a mu.x): stationary E[mu.x] = A_d(beta kappa) with the "
                     "spurious drift + P grad D", case["measured"], right, case["tolerance"], detail=detail)
    return Measurement("position_friction_uncorrected", "known failure: the same without the spurious drift lands on "
                 "eta(x) exp(-beta U), E[mu.x] = A_d(beta kappa + a)", case["measured"], wrong, case["tolerance"],
                 detail=detail)


def check_ou_autocorrelation(seed: int = 0) -> Measurement:
    """Tangent coordinate near a deep vMF minimum: C(t)/C(0) = exp(-k t / eta), tau = eta / k (RC time constant)."""
    d, kappa, temperature, eta = 3, 50.0, 0.1, 2.0
    tau = eta / kappa
    dt = tau / 100
    system = LangevinSystem(LinearPotential(_axis(d), kappa), friction=eta, temperature=temperature)
    x0 = _axis(d).expand(2000, d).clone()
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
    return Measurement("ou_autocorrelation", "OU autocorrelation of a tangent coordinate = exp(-k t / eta) (RC response, "
                 "tau = eta/k); worst lag up to 3 tau", float(corr[worst]), float(expected[worst]),
                 float(tolerance[worst]),
                 detail={"tau": tau, "dt": dt, "kappa": kappa, "eta": eta, "T": temperature, "z_sigma": Z_SIGMA,
                         "stderr": float(stderr[worst]), "bias": float(bias[worst]),
                         "lags_over_tau": (times / tau).tolist(), "measured_curve": corr.tolist(),
                         "expected_curve": expected.tolist()})


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
    return Measurement("fep_rc_step_response", "FEP (EMA, alpha = 1 - exp(-dt/tau)) step response = RC 1 - exp(-t/tau), "
                 "max error over dt/tau in {0.1, 0.3, 4}", worst, 0.0, FEP_ROUND_OFF)


def _transition_rate(system: LangevinSystem, scheme: str, dt: float, n: int, steps: int, seed: int,
                     core_angle: float, burn_time: float = 10.0) -> tuple[float, int]:
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

    simulate(system, x0, dt=dt, n_steps=burn + steps, scheme=scheme, seed=seed + 2, observe=observe,
             log_lambda=False, check_stability=False)
    transitions = int(count)
    return transitions / (n * steps * dt), transitions


KRAMERS_CORE = math.pi / 6
"""Cores: |theta| < 30 degrees around each well."""


def kramers_rate(beta_barrier: float, scheme: str = "overdamped", seed: int = 0, n: int = 8000,
                 target_transitions: int = 1200) -> dict:
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
    system = LangevinSystem(DoubleWell(_axis(2), barrier), friction=eta, mass=mass, temperature=temperature)
    rate, transitions = _transition_rate(system, scheme, dt, n, steps, seed, KRAMERS_CORE)
    return {"beta_barrier": beta_barrier, "scheme": scheme, "measured": rate, "transitions": transitions,
            "stderr": rate / math.sqrt(max(transitions, 1)), "expected": expected, "asymptotic": asymptotic,
            "eta": eta, "mass": mass, "dt": dt, "steps": steps, "n": n}


def check_kramers(scheme: str, seed: int = 0) -> Measurement:
    # about 1500 (overdamped) / 1000 (underdamped) transitions: standard errors 2.6% / 3.2%
    if scheme == "overdamped":
        result = kramers_rate(5.0, scheme, seed, n=8000, target_transitions=1500)
    else:
        result = kramers_rate(5.0, scheme, seed, n=6000, target_transitions=1000)
    if scheme == "overdamped":
        text = ("Kramers escape rate, double well on S^1, beta dU = 5, overdamped: core-to-core rate vs "
                "Kramers' integral (exact Smoluchowski) formula")
    else:
        text = ("Kramers escape rate, beta dU = 5, g-BAOAB at gamma = 2 omega_b: vs Kramers' spatial-diffusion "
                "rate with the exact well population")
    # relative standard error of a Poisson count, 1 / sqrt(transitions); no bias term (stricter)
    relative_se = 1 / math.sqrt(max(result["transitions"], 1))
    return Measurement(f"kramers_{scheme}", text, result["measured"], result["expected"], band(relative_se),
                 relative=True, detail={**result, "z_sigma": Z_SIGMA, "relative_stderr": relative_se})


def weak_order_sweep(seed: int = 0, n: int = 100_000) -> dict:
    """E[mu . x_T] of the overdamped vMF diffusion from mu . x_0 = -0.9 against the exact value, over dt.

    d = 3, kappa / eta = 2, D = 1, T_end = 1, dt = 1/8 ... 1/64. Starting near the antipode makes the
    O(dt) bias large (0.1 to 0.013) against the Monte-Carlo error (about 0.0016 with n = 1e5), so the
    fitted slope measures the bias, not noise. Returns errors, standard errors and the slope.
    """
    d, drift, diffusion, horizon, z0 = 3, 2.0, 1.0, 1.0, -0.9
    exact = theory.vmf_relaxation(d, drift, diffusion, z0, horizon)
    system = LangevinSystem(LinearPotential(_axis(d), drift), friction=1.0, temperature=diffusion)
    start = torch.zeros(n, d, dtype=torch.float64)
    start[:, 0], start[:, -1] = math.sqrt(1 - z0**2), z0
    dts, means, errors, stderrs = [], [], [], []
    for i, n_steps in enumerate((8, 16, 32, 64)):
        dt = horizon / n_steps
        run = simulate(system, start, dt=dt, n_steps=n_steps, seed=seed + 10 * i, log_lambda=False,
                       check_stability=False)
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
    return {"dt": dts, "mean": means, "stderr": stderrs, "error": errors, "exact": exact, "slope": slope,
            "slope_stderr": slope_se, "local_slopes": local.tolist(), "curvature_bias": curvature, "n": n, "z0": z0}


def check_weak_order(seed: int = 0) -> Measurement:
    sweep = weak_order_sweep(seed)
    return Measurement("weak_order", "weak order of projected Euler-Maruyama: slope of log|E[mu.x_T] - exact| vs log dt "
                 "(dt = 1/8 .. 1/64)", sweep["slope"], 1.0, band(sweep["slope_stderr"], sweep["curvature_bias"]),
                 detail={**sweep, "z_sigma": Z_SIGMA})


CHECKS: dict[str, Callable[[int], "Measurement | list[Measurement]"]] = {
    "vmf_overdamped": lambda seed: check_vmf("overdamped", seed),
    "vmf_underdamped": lambda seed: check_vmf("underdamped", seed),
    "equipartition": check_equipartition,
    "position_friction": lambda seed: check_position_friction(seed, True),
    "position_friction_uncorrected": lambda seed: check_position_friction(seed, False),
    "ou_autocorrelation": check_ou_autocorrelation,
    "fep_rc_step_response": lambda seed: check_fep_step_response(),
    "kramers_overdamped": lambda seed: check_kramers("overdamped", seed),
    "kramers_underdamped": lambda seed: check_kramers("underdamped", seed),
    "weak_order": check_weak_order,
}
"""Every check by name; `equipartition` also yields the `tangency` and `constraint_drift` rows."""


@dataclass(frozen=True)
class ValidateConfig:
    """Options of `semphys langevin validate`."""

    checks: tuple[str, ...] = ()
    """Names from `CHECKS` (empty: all)."""
    seed: int = 0
    out: Path | None = None
    """Run directory for validation.json (None: print only)."""

    def validate(self) -> None:
        unknown = [c for c in self.checks if c not in CHECKS]
        if unknown:
            raise UserError(f"unknown check {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
        if self.out is not None:
            check_run_dir(self.out, VALIDATE_COMMAND, self.fingerprint())

    def fingerprint(self) -> dict:
        return {"checks": list(self.checks), "seed": self.seed}


VALIDATE_COMMAND = "langevin validate"
SCHEMA = "semphys.langevin.validate/2"
"""validation.json (validate.schema.json): schema, passed, seed, claims (`evidence.Claim` rows of kind `check`,
decided), checks [{name, description, measured, expected, tolerance, relative, seconds, deviation, detail}: the
measurements; whether each holds is its claim's], versions. The printed --json document is the same without `detail` and versions."""


def run_validate(config: ValidateConfig, say: Callable[[str], None]) -> tuple[dict, list[Measurement], Path | None]:
    """Validate the config, run the checks, write OUT/validation.json when `out` is set.

    Returns (the short document: schema, passed, seed, checks without detail; the rows; the path written).
    """
    config.validate()
    rows = run_validation(list(config.checks) or None, seed=config.seed, progress=lambda n: say(f"checking {n} ..."))
    claims = [c.to_dict() for c in decide([r.claim() for r in rows])]
    document = {"schema": SCHEMA, "passed": all(c["holds"] is True for c in claims), "seed": config.seed,
                "claims": claims, "checks": [r.to_dict(with_detail=False) for r in rows]}
    check_claims(document)
    path = None
    if config.out is not None:
        out = claim_run_dir(config.out, VALIDATE_COMMAND, config.fingerprint(), outputs=("validation.json",),
                            document_schema=SCHEMA).path
        full = {**document, "checks": [r.to_dict() for r in rows], **collect_provenance()}
        path = write_text_atomic(out / "validation.json", to_json(full, indent=2))
    return document, rows, path


def run_validation(names: list[str] | None = None, seed: int = 0,
                   progress: Callable[[str], None] | None = None) -> list[Measurement]:
    """Run the named checks (default all) and return their rows in order."""
    names = list(CHECKS) if not names else names
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise UserError(f"unknown validation check {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
    rows: list[Measurement] = []
    for name in names:
        if progress is not None:
            progress(name)
        start = time.perf_counter()
        result = CHECKS[name](seed)
        seconds = time.perf_counter() - start
        for row in result if isinstance(result, list) else [result]:
            row.seconds = row.seconds or seconds
            rows.append(row)
    return rows
