"""Maps between the sphere S^(d-1) and its tangent spaces, in numpy float64 (spec 000 §4.1: |x| = 1).

`log_map(x, y)` is the tangent vector at x that the exponential map carries to y (its length is the
angle between them); `exp_map` is its inverse, the `exponential` retraction of
`semphys.langevin.sde.integrators.overdamped_step`. An overdamped Euler-Maruyama step with that
retraction is x' = exp_x(P_x(F dt + sqrt(2 T dt / eta) xi)), so log_x(x') is exactly the increment
the Kramers-Moyal estimator needs (`semphys.langevin.measure.kramers_moyal`).
"""

import numpy as np


def unit(h: np.ndarray) -> np.ndarray:
    """Rows of `h` [..., d] scaled to length 1 (rows of length 0 stay 0)."""
    norms = np.linalg.norm(h, axis=-1, keepdims=True)
    return np.divide(h, norms, out=np.zeros_like(h, dtype=np.float64), where=norms > 0)


def log_map(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Tangent vector at x [n, d] pointing along the great circle to y [n, d], of length angle(x, y)."""
    cos = np.clip(np.sum(x * y, axis=-1, keepdims=True), -1.0, 1.0)
    along = y - cos * x
    length = np.linalg.norm(along, axis=-1, keepdims=True)
    scale = np.divide(np.arccos(cos), length, out=np.zeros_like(length), where=length > 1e-15)
    return along * scale


def exp_map(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The point reached from x [n, d] along the tangent vector v [n, d] (great circle, arc length |v|)."""
    length = np.linalg.norm(v, axis=-1, keepdims=True)
    direction = np.divide(v, length, out=np.zeros_like(v), where=length > 0)
    return x * np.cos(length) + direction * np.sin(length)


def angle(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Angle in radians between unit rows x and y: [n]."""
    return np.arccos(np.clip(np.sum(x * y, axis=-1), -1.0, 1.0))


def tangent(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """P_x v = v - (x . v) x."""
    return v - np.sum(x * v, axis=-1, keepdims=True) * x
