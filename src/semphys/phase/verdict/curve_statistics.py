"""The per-curve statistics the verdict judges, computed the same way on real and on null curves.

For each sigma curve (spec 001 "判定基準"):

    amplitude   max - min of sigma over the fitted layers: how far the senses separate
    jump        max_l |sigma(l+1) - sigma(l)| over the fitted layers (the spec's "ジャンプ幅"); it grows
                with the amplitude, so on its own it measures size as much as abruptness
    step_share  jump / amplitude: the share of the whole excursion taken in the largest single step,
                scale-free (a straight ramp over n layers gives about 1 / (n - 1), a step gives 1)
    transition  |sigma(l_c + 1) - sigma(l_c - 1)| / (max - min): the jump at the transition
    r2          R^2 of the form chosen by AICc (or AIC) among `kinds`
    beta        the second-order fit's beta
    beta_usable whether beta is an estimate worth a std/mean: the selected form is second order, and
                neither its beta nor its l_c is on a bound of the fit (a beta on a bound is a limit)
    lc          half-rise layer of the selected fit (`transition.half_rise_layer`)
    lc_sigma    the fit-free half-rise layer of sigma (`transition.sigma_half_rise`)

All from the vectorised grid fits (`fits.grid_fit`), for any number of curves at once: the null's
thousands of curves cannot be polished one by one, and a verdict that compares a polished real fit
with a grid null fit would hand the real curves an advantage the null does not get. The same
estimator on both sides is the point; the per-prompt table of the report shows the polished fits.
"""

from dataclasses import dataclass

import numpy as np

from semphys.phase.fits import KINDS, PARAMS, FitBounds, grid_fit
from semphys.phase.transition import half_rise_layer, sigma_half_rise, transition_share

STATISTICS: tuple[str, ...] = (
    "amplitude",
    "jump",
    "step_share",
    "transition",
    "r2",
    "beta",
    "beta_usable",
    "lc",
    "lc_sigma",
)
"""The fields of `CurveStatistics`, in order."""


@dataclass(frozen=True)
class CurveStatistics:
    """Statistics of many curves; every field has the curves' leading shape [...]."""

    amplitude: np.ndarray
    jump: np.ndarray
    step_share: np.ndarray
    transition: np.ndarray
    r2: np.ndarray
    beta: np.ndarray
    beta_usable: np.ndarray
    lc: np.ndarray
    lc_sigma: np.ndarray

    def to_dict(self) -> dict[str, list]:
        return {name: getattr(self, name).tolist() for name in STATISTICS}

    @classmethod
    def from_dict(cls, data: dict[str, list], n_columns: int | None = None) -> "CurveStatistics":
        """The inverse of `to_dict`. Draws [n_draws, n_columns] need `n_columns`: JSON turns zero draws
        into `[]`, which would otherwise come back as shape [0] and lose the prompt count."""

        def array(name: str) -> np.ndarray:
            values = np.asarray(data[name], dtype=bool if name == "beta_usable" else np.float64)
            return values.reshape(0, n_columns) if n_columns is not None and values.shape == (0,) else values

        return cls(**{name: array(name) for name in STATISTICS})


def _on_bound(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return (np.abs(values - low) <= 1e-6 * max(1.0, abs(high))) | (np.abs(values - high) <= 1e-6 * max(1.0, abs(high)))


def curve_statistics(
    layers: np.ndarray,
    curves: np.ndarray,
    bounds: FitBounds = FitBounds(),
    criterion: str = "aicc",
    kinds: tuple[str, ...] = KINDS,
) -> CurveStatistics:
    """Statistics of curves [..., n_layers] sampled at `layers` [n_layers] (the fitted layers only)."""
    x = np.asarray(layers, dtype=np.float64)
    y = np.asarray(curves, dtype=np.float64)
    shape = y.shape[:-1]
    flat = y.reshape(-1, y.shape[-1])
    grids = {kind: grid_fit(x, flat, kind, bounds) for kind in KINDS}
    # ties go to the simpler form, as `fits.select` does
    scores = np.stack([getattr(grids[k], criterion) + 1e-9 * len(PARAMS[k]) for k in kinds])
    winner = scores.argmin(axis=0)
    rows = np.arange(len(flat))
    r2 = np.stack([grids[k].r2 for k in kinds])[winner, rows]
    lc = np.stack([half_rise_layer(k, grids[k].params, x[0], x[-1]) for k in kinds])[winner, rows]
    second = grids["second_order"].params
    usable = (
        (np.asarray(kinds)[winner] == "second_order")
        & ~_on_bound(second[:, 3], *bounds.beta)
        & ~_on_bound(second[:, 2], x[0], x[-1] - 1)
    )
    amplitude = flat.max(axis=-1) - flat.min(axis=-1)
    jump = np.abs(np.diff(flat, axis=-1)).max(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        step_share = np.where(amplitude > 0, jump / np.where(amplitude > 0, amplitude, 1.0), np.nan)
    values = {
        "amplitude": amplitude,
        "jump": jump,
        "step_share": step_share,
        "transition": transition_share(flat, x, lc),
        "r2": r2,
        "beta": second[:, 3],
        "beta_usable": usable,
        "lc": lc,
        "lc_sigma": sigma_half_rise(flat, x),
    }
    return CurveStatistics(**{name: values[name].reshape(shape) for name in STATISTICS})
