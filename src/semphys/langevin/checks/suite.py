"""The suite of checks of the simulator against theory: `CHECKS` by name and `run_validation`; each check is one
row of `semphys langevin validate` and one test.

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

import time
from collections.abc import Callable

from semphys.core.errors import UserError
from semphys.langevin.checks.dynamics import (
    check_fep_step_response,
    check_kramers,
    check_ou_autocorrelation,
    check_weak_order,
)
from semphys.langevin.checks.measurement import Measurement
from semphys.langevin.checks.stationary import check_equipartition, check_position_friction, check_vmf

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


def run_validation(
    names: list[str] | None = None, seed: int = 0, progress: Callable[[str], None] | None = None
) -> list[Measurement]:
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
