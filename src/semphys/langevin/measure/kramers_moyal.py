"""Spec 000 §4.2's overdamped Langevin equation on the sphere, fitted by Kramers-Moyal from increments.

Model of one layer step (eta = 1, dt = `dt`; spec 000 §4.2, m -> 0):

    x' = exp_x(P_x(-grad U(x)) dt + sqrt(2 T dt) P_x xi),   U(x) = 1/2 z^T K z + beta^T z,   z = V^T x,

with V [d, r] an orthonormal basis of a low-rank subspace, K [r, r] symmetric (so the drift IS a
gradient, as the spec says) and T the temperature. The first Kramers-Moyal coefficient, E[log_x x' | x]
/ dt = -P_x V (K z + beta), is linear in (K, beta): minimising sum |log_x x' - dt P_x V w|^2 over
w = -(K z + beta) reduces, since V^T P_x V = I - z z^T, to r-dimensional normal equations; the second
coefficient gives T = E|residual|^2 / (2 (d - 1) dt).

Assumptions the reported numbers rest on (they are not tested by the fit itself):
- eta and the scale of U are not separately identifiable from increments: only U / eta and T / eta
  are. eta = 1 by convention, so `temperature` is T / eta and a relaxation time eta / k is 1 / k in
  layers (k an eigenvalue of K);
- the noise is isotropic in the tangent space (a "diagonal in the subspace" noise variant is not
  fitted);
- on the sphere |x| = 1, so U and U + c |x|^2 / 2 give the same tangent drift: with r < d the
  subspace term z^T z varies and K is identifiable, with r = d only K - c I is (the fit then picks the
  c of smallest norm through its ridge, and relaxation times are not meaningful);
- one Euler-Maruyama step per layer: the fit is the dt-map, not a continuous-time drift.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from semphys.langevin.measure.geometry import log_map
from semphys.langevin.measure.steps import residual_variance

RIDGE = 1e-8
"""Relative Tikhonov term on the normal equations (guards an ill-conditioned subspace)."""


@dataclass(frozen=True)
class SphereDrift:
    """One fitted layer step of the overdamped sphere Langevin equation (see the module docstring)."""

    basis: np.ndarray
    """V [d, r], orthonormal columns."""
    coupling: np.ndarray
    """K [r, r], symmetric: the Hessian of U in the subspace."""
    field: np.ndarray
    """beta [r]: the linear term of U."""
    variance: float
    """2 T dt per tangent dimension (eta = 1)."""
    dt: float = 1.0

    @property
    def temperature(self) -> float:
        """T / eta from the second Kramers-Moyal coefficient."""
        return self.variance / (2 * self.dt)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Ambient grad U [n, d] at x [n, d]."""
        return (x @ self.basis @ self.coupling + self.field) @ self.basis.T

    def tangent_mean(self, x: np.ndarray) -> np.ndarray:
        """dt P_x (-grad U): the mean increment of one step, [n, d]."""
        force = -self.gradient(x)
        return self.dt * (force - np.sum(force * x, axis=1, keepdims=True) * x)

    def relaxation_times(self) -> np.ndarray:
        """eta / k for the positive eigenvalues k of K (confining directions), in units of dt, sorted."""
        eigenvalues = np.linalg.eigvalsh(self.coupling)
        return np.sort(1.0 / eigenvalues[eigenvalues > 0])


def subspace_basis(x: np.ndarray, x_next: np.ndarray, rank: int) -> np.ndarray:
    """V [d, rank]: the top principal directions (uncentred) of the states before and after the step."""
    return top_eigenvectors(x.T @ x + x_next.T @ x_next, rank)


def top_eigenvectors(moment: np.ndarray, rank: int) -> np.ndarray:
    """[d, rank]: eigenvectors of the symmetric `moment` [d, d] with the largest eigenvalues, largest first."""
    _, vectors = np.linalg.eigh(moment)
    return np.ascontiguousarray(vectors[:, ::-1][:, :rank])


def _design(z: np.ndarray) -> np.ndarray:
    """M [n, r, p]: u = K z + beta as M theta, theta = (upper triangle of K, beta); p = r(r+1)/2 + r."""
    n, r = z.shape
    rows, cols = np.triu_indices(r)
    pairs = len(rows)
    design = np.zeros((n, r, pairs + r))
    k = np.arange(pairs)
    design[:, rows, k] = z[:, cols]
    design[:, cols, k] = z[:, rows]
    design[:, np.arange(r), pairs + np.arange(r)] = 1.0
    return design


def _unpack(theta: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.triu_indices(r)
    coupling = np.zeros((r, r))
    coupling[rows, cols] = theta[: len(rows)]
    coupling[cols, rows] = theta[: len(rows)]
    return coupling, theta[len(rows) :]


CHUNK = 256
"""Rows per block of the normal equations (bounds the [rows, r, p] design in memory)."""


def normal_equations(x: np.ndarray, x_next: np.ndarray, basis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M^T (I - z z^T) M summed over rows, M^T V^T log_x x' summed over rows): [p, p] and [p].

    x, x_next [n, d] unit rows one step apart; basis V [d, r]. Accumulated over blocks of `CHUNK`
    rows, so pooled fits (every layer at once) fit in memory.
    """
    r = basis.shape[1]
    p = r * (r + 1) // 2 + r
    gram, rhs = np.zeros((p, p)), np.zeros(p)
    for start in range(0, len(x), CHUNK):
        rows = slice(start, start + CHUNK)
        z, y = x[rows] @ basis, log_map(x[rows], x_next[rows]) @ basis
        design = _design(z)
        n = len(z)
        projected = design - z[:, :, None] * np.einsum("nr,nrp->np", z, design)[:, None, :]  # (I - z z^T) M
        gram += design.reshape(n * r, p).T @ projected.reshape(n * r, p)
        rhs += design.reshape(n * r, p).T @ y.reshape(n * r)
    return gram, rhs


def solve_drift(gram: np.ndarray, rhs: np.ndarray, basis: np.ndarray, dt: float = 1.0) -> SphereDrift:
    """The drift (K, beta) of the normal equations (ridge `RIDGE`), variance left at 0."""
    gram = gram + RIDGE * np.trace(gram) / len(gram) * np.eye(len(gram))
    theta = np.linalg.solve(gram, rhs)
    coupling, field = _unpack(-theta / dt, basis.shape[1])
    return SphereDrift(basis=basis, coupling=coupling, field=field, variance=0.0, dt=dt)


def fit_sphere_langevin(x: np.ndarray, x_next: np.ndarray, basis: np.ndarray, dt: float = 1.0) -> SphereDrift:
    """Kramers-Moyal fit of K, beta and T from pairs (x, x_next) [n, d] of unit vectors one step dt apart."""
    drift = solve_drift(*normal_equations(x, x_next, basis), basis, dt)
    return dataclasses.replace(drift, variance=residual_variance(drift, x, x_next))
