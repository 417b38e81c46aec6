"""Closed forms the simulations are checked against.

- von Mises-Fisher on S^(d-1): mean resultant length A_d(k) = I_{d/2}(k) / I_{d/2-1}(k) and the
  second moment E[x x^T] = (A_d(k)/k) I + (1 - d A_d(k)/k) mu mu^T (Mardia & Jupp 2000, 9.3).
- Equipartition on the sphere: <|v|^2> = (d - 1) T / m (d - 1 tangent degrees of freedom).
- The Ornstein-Uhlenbeck / RC correlation C(t) / C(0) = exp(-k t / eta) (spec 000 §4.2: tau = eta / k).
- Brownian motion on S^(d-1): E[x_t . x_0] = exp(-(d - 1) D t), D = T / eta.
- The overdamped vMF relaxation E[mu . x_t | x_0] from the backward Kolmogorov equation, solved in
  a polynomial basis (exact to truncation): the reference of the weak-order sweep.
- Kramers escape rates for `DoubleWell` on the circle (d = 2), U(theta) = dU sin^2(theta), two
  wells (theta = 0, pi) and two saddles (theta = +-pi/2), curvature 2 dU at both:
  * overdamped, asymptotic (Kramers 1940; Hanggi, Talkner & Borkovec 1990, eq. 4.5b):
    k = 2 x sqrt(U''_min |U''_b|) / (2 pi eta) e^{-dU/T} = 2 dU / (pi eta) e^{-dU/T}
    (the factor 2: two saddles lead out of each well);
  * overdamped, exact for the Smoluchowski equation: the rate of core-to-core transitions is
    1 / MFPT from the edge of one core to the other core, MFPT = (1/D) int_{a}^{L} e^{U/T} int_0^y e^{-U/T}
    (Gardiner, Handbook, 5.2.7), by quadrature;
  * underdamped, Kramers' spatial-diffusion result with transmission factor
    kappa = sqrt(1 + (gamma / 2 omega_b)^2) - gamma / (2 omega_b), gamma = eta / m, applied to
    the exact (anharmonic) transition-state rate 2 sqrt(T / 2 pi m) e^{-dU/T} / int_well e^{-U/T}.
"""

import math

import numpy as np
from scipy.linalg import expm
from scipy.special import ive
from torch import Tensor


def mean_resultant_length(d: int, kappa: float) -> float:
    """A_d(kappa) = I_{d/2}(kappa) / I_{d/2-1}(kappa): E[mu . x] under vMF(mu, kappa) on S^(d-1)."""
    if kappa == 0:
        return 0.0
    return float(ive(d / 2, kappa) / ive(d / 2 - 1, kappa))


def vmf_mixing_weight(d: int, kappa: float) -> float:
    """epsilon = d A_d(kappa) / kappa: E[x_i^2] = (1 - epsilon) mu_i^2 + epsilon / d under vMF(mu, kappa).

    So sampling a coordinate i with probability x_i^2 from a vMF state gives the mixture
    (1 - epsilon) mu^2 + epsilon * uniform. epsilon -> 1 as kappa -> 0 and ~ (d - 1) / kappa as kappa -> inf.
    """
    if kappa == 0:
        return 1.0
    return d * mean_resultant_length(d, kappa) / kappa


def induced_distribution(q: Tensor, beta_kappa: float) -> Tensor:
    """E[x^2] for x ~ vMF(sqrt(q), beta_kappa) on S^(k-1): (1 - eps) q + eps / k. q: [..., k]."""
    k = q.shape[-1]
    eps = vmf_mixing_weight(k, beta_kappa)
    return (1 - eps) * q + eps / k


def equipartition(d: int, temperature: float, mass: float) -> float:
    """<|v|^2> = (d - 1) T / m for tangent velocities on S^(d-1)."""
    return (d - 1) * temperature / mass


def ou_autocorrelation(t: "np.ndarray | float", stiffness: float, eta: float) -> "np.ndarray | float":
    """C(t) / C(0) = exp(-k t / eta): the RC impulse response with tau = eta / k (spec 000 §4.2)."""
    return np.exp(-stiffness * np.asarray(t) / eta)


def brownian_mean_cosine(d: int, diffusion: float, t: float) -> float:
    """E[x_t . x_0] = exp(-(d - 1) D t) for Brownian motion on S^(d-1)."""
    return math.exp(-(d - 1) * diffusion * t)


def vmf_relaxation(d: int, drift: float, diffusion: float, z0: float, t: float, degree: int = 60) -> float:
    """E[mu . x_t] for the overdamped vMF diffusion started at mu . x_0 = z0.

    drift = kappa / eta, diffusion = T / eta. On functions of z = mu . x the generator is
    L f = drift (1 - z^2) f' + D [(1 - z^2) f'' - (d - 1) z f'], which maps z^j into
    {z^(j-2), z^(j-1), z^j, z^(j+1)}; u(t) = exp(t L) z is computed in the monomial basis truncated
    at `degree` (the neglected coefficients decay factorially for the t used here).
    """
    n = degree + 1
    gen = np.zeros((n, n))  # column j: L z^j in the monomial basis
    for j in range(n):
        if j >= 1:
            gen[j - 1, j] += drift * j
            if j + 1 < n:
                gen[j + 1, j] -= drift * j
        if j >= 2:
            gen[j - 2, j] += diffusion * j * (j - 1)
        gen[j, j] -= diffusion * (j * (j - 1) + (d - 1) * j)
    start = np.zeros(n)
    start[1] = 1.0
    coeffs = expm(t * gen) @ start
    return float(np.polyval(coeffs[::-1], z0))


# ---- Kramers, DoubleWell on the circle: U(theta) = barrier sin^2(theta) ----


def kramers_overdamped_asymptotic(barrier: float, eta: float, temperature: float) -> float:
    """Rate out of one well, two saddles: 2 sqrt(U''_min |U''_b|) / (2 pi eta) e^{-dU/T} = (2 dU / pi eta) e^{-dU/T}."""
    return 2 * barrier / (math.pi * eta) * math.exp(-barrier / temperature)


def kramers_overdamped_exact(
    barrier: float, eta: float, temperature: float, core_angle: float, n_grid: int = 20001
) -> float:
    """Core-to-core transition rate of the Smoluchowski dynamics, 1 / MFPT, by quadrature.

    Cores: |theta| < core_angle around each well. A transition starts when the particle enters
    a core (at theta = core_angle) and ends when it enters the other one (|theta| = pi - core_angle).
    """
    beta, diffusion = 1 / temperature, temperature / eta
    end = math.pi - core_angle
    y = np.linspace(0.0, end, n_grid)
    u = barrier * np.sin(y) ** 2
    inner = _cumtrapz(np.exp(-beta * u), y)
    outer = np.exp(beta * u) * inner
    mask = y >= core_angle
    mfpt = np.trapezoid(outer[mask], y[mask]) / diffusion
    return 1 / mfpt


def kramers_underdamped(barrier: float, eta: float, mass: float, temperature: float, n_grid: int = 20001) -> float:
    """Kramers' moderate-to-strong-friction rate out of one well (two saddles), exact TST population."""
    beta = 1 / temperature
    omega_b = math.sqrt(2 * barrier / mass)
    gamma = eta / mass
    transmission = math.sqrt(1 + (gamma / (2 * omega_b)) ** 2) - gamma / (2 * omega_b)
    theta = np.linspace(-math.pi / 2, math.pi / 2, n_grid)
    population = np.trapezoid(np.exp(-beta * barrier * np.sin(theta) ** 2), theta)
    tst = 2 * math.sqrt(temperature / (2 * math.pi * mass)) * math.exp(-beta * barrier) / population
    return transmission * tst


def kramers_underdamped_asymptotic(barrier: float, eta: float, mass: float, temperature: float) -> float:
    """The same with the harmonic well population: 2 (omega_0 / 2 pi) kappa e^{-dU/T}."""
    omega = math.sqrt(2 * barrier / mass)
    gamma = eta / mass
    transmission = math.sqrt(1 + (gamma / (2 * omega)) ** 2) - gamma / (2 * omega)
    return 2 * omega / (2 * math.pi) * transmission * math.exp(-barrier / temperature)


def _cumtrapz(f: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(f)
    out[1:] = np.cumsum((f[1:] + f[:-1]) / 2 * np.diff(x))
    return out
