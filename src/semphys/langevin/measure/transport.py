"""The Lines-of-Thought model (Sarfati, Liu, Boulle and Earls, ICLR 2025), on the sphere.

Their layer step is a linear transport between the principal subspaces of consecutive layers,
x(t+1) = R(t+1) Lambda(t) R(t)^T x(t), with R(t) the top singular vectors of the ensemble at layer t,
plus a Gaussian residual whose variance depends on the layer. Here, as everywhere in this package,
states are directions x = h / |h| and the step is read as an increment on the sphere:

    mean(x) = unit(W_{l+1} Lambda^T W_l^T x),   x_{l+1} = exp_x(log_x mean(x) + sqrt(v_l) P_x xi).

Deviation from the paper: Lambda is the full r x r least-squares map between the subspace coordinates,
not the diagonal of singular-value ratios. It contains the diagonal model, and it absorbs the sign and
order ambiguity of singular vectors that the diagonal form has to resolve by matching.
"""

from dataclasses import dataclass

import numpy as np

from semphys.langevin.measure.geometry import log_map, unit
from semphys.langevin.measure.steps import residual_variance


@dataclass(frozen=True)
class LayerTransport:
    """One fitted LoT layer step."""

    basis_in: np.ndarray
    """W_l [d, r]: top right singular vectors of the layer-l ensemble."""
    basis_out: np.ndarray
    """W_{l+1} [d, r]."""
    transport: np.ndarray
    """Lambda [r, r]: z_{l+1} ~ z_l Lambda (row vectors)."""
    variance: float
    """Residual variance per tangent dimension."""

    def mean_state(self, x: np.ndarray) -> np.ndarray:
        return unit(x @ self.basis_in @ self.transport @ self.basis_out.T)

    def tangent_mean(self, x: np.ndarray) -> np.ndarray:
        return log_map(x, self.mean_state(x))


def principal_basis(x: np.ndarray, rank: int) -> np.ndarray:
    """W [d, rank]: the top right singular vectors of x [n, d] (uncentred, as in the paper)."""
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return vt[:rank].T


def fit_transport(x: np.ndarray, x_next: np.ndarray, rank: int) -> LayerTransport:
    """LoT step from layer-l states x [n, d] to layer-(l+1) states x_next [n, d] (unit rows)."""
    basis_in, basis_out = principal_basis(x, rank), principal_basis(x_next, rank)
    transport, *_ = np.linalg.lstsq(x @ basis_in, x_next @ basis_out, rcond=None)
    step = LayerTransport(basis_in, basis_out, transport, 0.0)
    return LayerTransport(basis_in, basis_out, transport, residual_variance(step, x, x_next))
