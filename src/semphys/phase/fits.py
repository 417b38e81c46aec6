"""Landau fits of sigma(l) (spec 001, exp. 2): second-order power law, tanh crossover, first-order step.

Forms, with an offset c for the level of the undecided phase (the spec's forms have c = 0; with the
baseline corrections and a target word whose embedding already leans one way, the measured level
below l_c is not 0, and forcing it there would push l_c and beta to absorb the offset):

    second_order  c + A (l - l_c)^beta   for l > l_c,  c otherwise      (mean field: beta = 1/2)
    tanh          c + A tanh(kappa (l - l_c))                            (crossover; l_c is the midpoint)
    step          c + A [l > l_c]                                        (first order: a jump at l_c)

A may take either sign (sigma < 0 is sense B). Bounds: l_c within the measured layers (second order:
at least two layers above it), beta within `beta_bounds` (the spec's curve_fit uses 0.1 to 2),
kappa within `kappa_bounds`.

How a fit is found: for fixed (l_c, beta) or (l_c, kappa) the forms are linear in (c, A), solved in
closed form; a grid over the nonlinear pair (l_c every 0.1 layer, 40 log-spaced beta or kappa) is
therefore exact in (c, A) and vectorised over many curves at once (`grid_fit`, used for bootstrap
and null fits). `fit_curve` then polishes the best grid point of each of `starts` separate l_c ranges
with `scipy.optimize.least_squares` (bounded trust-region) and keeps the lowest residual. The step
is solved exactly over every split between consecutive layers (l_c at the midpoint).

Model choice: AIC = n ln(RSS / n) + 2k with k = free parameters + 1 (the noise variance; Burnham &
Anderson 2002), and AICc = AIC + 2k(k + 1) / (n - k - 1) (Hurvich & Tsai 1989). With MiniLM's 7
points plain AIC always favours 4-parameter forms; AICc is the default (`PhaseConfig.selection`).
R^2 = 1 - RSS / TSS.
"""

import functools
import itertools
import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import least_squares

from semphys.phase.config import BETA_BOUNDS, FIT_KINDS

KINDS: tuple[str, ...] = FIT_KINDS
"""The fitted forms, in the order they are fitted and reported (`config.FIT_KINDS`)."""
PARAMS: dict[str, tuple[str, ...]] = {
    "second_order": ("c", "A", "l_c", "beta"),
    "tanh": ("c", "A", "l_c", "kappa"),
    "step": ("c", "A", "l_c"),
}
LC_STEP = 0.1
"""Grid spacing of l_c, in layers."""
SHAPE_POINTS = 40
"""Log-spaced grid points of beta (second order) and kappa (tanh)."""


@dataclass(frozen=True)
class FitBounds:
    beta: tuple[float, float] = BETA_BOUNDS
    kappa: tuple[float, float] = (0.05, 20.0)


@dataclass(frozen=True)
class Fit:
    """One fitted form: parameters, goodness of fit, and (after bootstrap) confidence intervals."""

    kind: str
    params: dict[str, float]
    rss: float
    r2: float
    aic: float
    aicc: float
    n: int
    """Points fitted."""
    k: int
    """Parameters counted by AIC (free parameters + 1 for the noise variance)."""
    at_bound: tuple[str, ...] = ()
    """Parameters that ended on a bound (an l_c or beta there is a limit, not an estimate)."""
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Bootstrap percentile intervals per parameter (and `r2`), empty without bootstrap."""

    def predict(self, layers: np.ndarray) -> np.ndarray:
        return curve(self.kind, np.asarray(layers, dtype=np.float64), self.params)

    def to_dict(self) -> dict:
        return {
            "type": self.kind,
            "params": self.params,
            "ci": {name: list(bounds) for name, bounds in self.ci.items()},
            "r2": self.r2,
            "aic": self.aic,
            "aicc": self.aicc,
            "rss": self.rss,
            "n": self.n,
            "k": self.k,
            "at_bound": list(self.at_bound),
        }


@dataclass(frozen=True)
class Selection:
    """The three fits of one curve and the one the information criterion picks."""

    fits: dict[str, Fit]
    best: str
    criterion: str

    @property
    def chosen(self) -> Fit:
        return self.fits[self.best]


def curve(kind: str, layers: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """The fitted form evaluated at `layers`."""
    c, a, l_c = params["c"], params["A"], params["l_c"]
    if kind == "second_order":
        return c + a * np.maximum(layers - l_c, 0.0) ** params["beta"]
    if kind == "tanh":
        return c + a * np.tanh(params["kappa"] * (layers - l_c))
    if kind == "step":
        return c + a * (layers > l_c)
    raise ValueError(f"unknown fit type {kind!r}: choose one of {', '.join(KINDS)}")


def information(rss: np.ndarray, tss: np.ndarray, n: int, n_free: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R^2, AIC, AICc) from residual sums of squares; a perfect fit is floored at 1e-12 x TSS."""
    rss = np.maximum(rss, 1e-12 * np.maximum(tss, 1e-300))
    k = n_free + 1
    aic = n * np.log(rss / n) + 2 * k
    aicc = aic + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(tss > 0, 1 - rss / np.where(tss > 0, tss, 1), np.nan)
    return r2, aic, aicc


@functools.lru_cache(maxsize=32)
def fit_grid(layers: tuple[float, ...], kind: str, bounds: FitBounds) -> tuple[np.ndarray, np.ndarray]:
    """(nonlinear parameters [G, 1 or 2], basis f [G, n]) of the grid of one form."""
    x = np.asarray(layers)
    lo, hi = x.min(), x.max()
    if kind == "step":
        ordered = np.sort(x)
        l_c = (ordered[:-1] + ordered[1:]) / 2
        return l_c[:, None], (x[None, :] > l_c[:, None]).astype(np.float64)
    if kind == "second_order":
        l_c = np.arange(lo, hi - 1 + 1e-9, LC_STEP)
        shape = np.geomspace(*bounds.beta, SHAPE_POINTS)
    else:
        l_c = np.arange(lo, hi + 1e-9, LC_STEP)
        shape = np.geomspace(*bounds.kappa, SHAPE_POINTS)
    lc_grid, shape_grid = (g.ravel() for g in np.meshgrid(l_c, shape, indexing="ij"))
    delta = x[None, :] - lc_grid[:, None]
    if kind == "second_order":
        basis = np.maximum(delta, 0.0) ** shape_grid[:, None]
    else:
        basis = np.tanh(shape_grid[:, None] * delta)
    return np.stack([lc_grid, shape_grid], axis=1), basis


@dataclass(frozen=True)
class GridFits:
    """Grid fits of many curves of one form: arrays over curves."""

    kind: str
    params: np.ndarray
    """[n_curves, n_params] in `PARAMS[kind]` order."""
    rss: np.ndarray
    r2: np.ndarray
    aic: np.ndarray
    aicc: np.ndarray

    def take(self, rows: slice | np.ndarray) -> "GridFits":
        """The fits of some curves only."""
        return GridFits(self.kind, self.params[rows], self.rss[rows], self.r2[rows], self.aic[rows], self.aicc[rows])


def grid_fit(
    layers: np.ndarray, curves: np.ndarray, kind: str, bounds: FitBounds = FitBounds(), chunk: int = 256
) -> GridFits:
    """Best grid point of one form for each curve. curves: [n_curves, n_layers]."""
    x = tuple(float(v) for v in np.asarray(layers, dtype=np.float64))
    nonlinear, basis = fit_grid(x, kind, bounds)
    y = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    f_mean = basis.mean(axis=1)
    f_centred = basis - f_mean[:, None]
    s_ff = (f_centred**2).sum(axis=1)
    usable = s_ff > 1e-12
    inverse = np.where(usable, 1.0 / np.where(usable, s_ff, 1.0), 0.0)  # an unusable basis gains nothing
    f_t = np.ascontiguousarray(f_centred.T)  # [n, G]
    y_mean = y.mean(axis=1)
    y_centred = y - y_mean[:, None]
    tss = (y_centred**2).sum(axis=1)
    best = np.zeros(len(y), dtype=np.int64)
    best_gain = np.zeros(len(y))
    best_s_fy = np.zeros(len(y))
    for start in range(0, len(y), chunk):
        s_fy = y_centred[start : start + chunk] @ f_t  # [m, G]
        gain = s_fy * s_fy
        gain *= inverse
        index = gain.argmax(axis=1)
        rows = np.arange(len(index))
        best[start : start + chunk] = index
        best_gain[start : start + chunk] = gain[rows, index]
        best_s_fy[start : start + chunk] = s_fy[rows, index]
    best_rss = tss - best_gain
    best_slope = best_s_fy * inverse[best]
    offset = y_mean - best_slope * f_mean[best]
    params = np.column_stack([offset, best_slope, nonlinear[best]])
    best_rss = np.maximum(best_rss, 0.0)
    r2, aic, aicc = information(best_rss, tss, len(x), len(PARAMS[kind]))
    return GridFits(kind=kind, params=params, rss=best_rss, r2=r2, aic=aic, aicc=aicc)


def _lc_bounds(kind: str, layers: np.ndarray) -> tuple[float, float]:
    lo, hi = float(layers.min()), float(layers.max())
    return (lo, hi - 1) if kind == "second_order" else (lo, hi)


def _shape_bounds(kind: str, bounds: FitBounds) -> tuple[float, float]:
    return bounds.beta if kind == "second_order" else bounds.kappa


def _starts(layers: np.ndarray, sigma: np.ndarray, kind: str, bounds: FitBounds, n_starts: int) -> list[np.ndarray]:
    """The best grid point in each of `n_starts` equal l_c ranges: [c, A, l_c, shape] each."""
    x = tuple(float(v) for v in layers)
    nonlinear, basis = fit_grid(x, kind, bounds)
    f_centred = basis - basis.mean(axis=1, keepdims=True)
    s_ff = (f_centred**2).sum(axis=1)
    y_centred = sigma - sigma.mean()
    s_fy = f_centred @ y_centred
    gain = np.where(s_ff > 1e-12, s_fy**2 / np.where(s_ff > 1e-12, s_ff, 1.0), -np.inf)
    edges = np.linspace(*_lc_bounds(kind, layers), n_starts + 1)
    starts = []
    for left, right in itertools.pairwise(edges):
        inside = np.flatnonzero((nonlinear[:, 0] >= left - 1e-9) & (nonlinear[:, 0] <= right + 1e-9))
        if inside.size == 0 or not np.isfinite(gain[inside]).any():
            continue
        g = inside[np.argmax(gain[inside])]
        slope = s_fy[g] / s_ff[g]
        offset = sigma.mean() - slope * basis[g].mean()
        starts.append(np.array([offset, slope, *nonlinear[g]]))
    return starts


def fit_curve(
    layers: np.ndarray, sigma: np.ndarray, kind: str, bounds: FitBounds = FitBounds(), starts: int = 3
) -> Fit:
    """Fit one form to one curve: grid starts, then bounded least squares from each (see module docstring)."""
    x = np.asarray(layers, dtype=np.float64)
    y = np.asarray(sigma, dtype=np.float64)
    names = PARAMS[kind]
    if kind == "step":
        grid = grid_fit(x, y[None, :], kind, bounds)
        best = grid.params[0]
    else:
        lc_lo, lc_hi = _lc_bounds(kind, x)
        sh_lo, sh_hi = _shape_bounds(kind, bounds)
        lower = [-np.inf, -np.inf, lc_lo, sh_lo]
        upper = [np.inf, np.inf, lc_hi, sh_hi]

        def residual(p: np.ndarray) -> np.ndarray:
            return curve(kind, x, dict(zip(names, p))) - y

        best, best_cost = None, np.inf
        for start in _starts(x, y, kind, bounds, starts):
            start_cost = float((residual(start) ** 2).sum())
            if start_cost < best_cost:
                best, best_cost = start, start_cost
            try:
                solved = least_squares(residual, np.clip(start, lower, upper), bounds=(lower, upper), method="trf")
            except ValueError:  # a start exactly on a bound with a degenerate Jacobian
                continue
            cost = float((solved.fun**2).sum())
            if cost < best_cost:
                best, best_cost = solved.x, cost
    params = {name: float(value) for name, value in zip(names, best)}
    return _finish(kind, x, y, params, bounds)


def _finish(kind: str, x: np.ndarray, y: np.ndarray, params: dict[str, float], bounds: FitBounds) -> Fit:
    rss = float(((curve(kind, x, params) - y) ** 2).sum())
    tss = float(((y - y.mean()) ** 2).sum())
    r2, aic, aicc = information(np.array(rss), np.array(tss), len(x), len(PARAMS[kind]))
    limits = {"l_c": _lc_bounds(kind, x)}
    if kind != "step":
        limits["beta" if kind == "second_order" else "kappa"] = _shape_bounds(kind, bounds)
    at_bound = tuple(
        name
        for name, (lo, hi) in limits.items()
        if kind != "step" and min(abs(params[name] - lo), abs(params[name] - hi)) <= 1e-6 * max(1.0, abs(hi))
    )
    return Fit(
        kind=kind,
        params=params,
        rss=rss,
        r2=float(r2),
        aic=float(aic),
        aicc=float(aicc),
        n=len(x),
        k=len(PARAMS[kind]) + 1,
        at_bound=at_bound,
    )


def select(fits: dict[str, Fit], criterion: str = "aicc", kinds: tuple[str, ...] = KINDS) -> str:
    """The kind among `kinds` with the lowest AICc (or AIC); ties go to the simpler form (fewer
    parameters, then KINDS order)."""
    key = (lambda f: (f.aicc, f.k)) if criterion == "aicc" else (lambda f: (f.aic, f.k))
    return min((f for f in fits.values() if f.kind in kinds), key=key).kind


def fit_all(
    layers: np.ndarray,
    sigma: np.ndarray,
    bounds: FitBounds = FitBounds(),
    starts: int = 3,
    criterion: str = "aicc",
    kinds: tuple[str, ...] = KINDS,
) -> Selection:
    """All three forms fitted to one curve, and the one selected among `kinds`.

    Every form is fitted whatever `kinds` says: beta always comes from the second-order fit."""
    fits = {kind: fit_curve(layers, sigma, kind, bounds, starts) for kind in KINDS}
    return Selection(fits=fits, best=select(fits, criterion, kinds), criterion=criterion)


def with_intervals(selection: Selection, grids: dict[str, GridFits], level: float = 0.95) -> Selection:
    """Attach percentile intervals from bootstrap grid fits (one `GridFits` per kind) to each fit."""
    tail = (1 - level) / 2 * 100
    fits = {}
    for kind, fit in selection.fits.items():
        grid = grids.get(kind)
        if grid is None or len(grid.rss) == 0:
            fits[kind] = fit
            continue
        ci = {
            name: tuple(float(v) for v in np.percentile(grid.params[:, i], [tail, 100 - tail]))
            for i, name in enumerate(PARAMS[kind])
        }
        defined = grid.r2[np.isfinite(grid.r2)]  # r2 is undefined (nan) for a resample with a flat curve
        ci["r2"] = (
            tuple(float(v) for v in np.percentile(defined, [tail, 100 - tail]))
            if len(defined)
            else (math.nan, math.nan)
        )
        fits[kind] = replace(fit, ci=ci)
    return replace(selection, fits=fits)


def selection_frequencies(
    grids: dict[str, GridFits], criterion: str = "aicc", kinds: tuple[str, ...] = KINDS
) -> dict[str, float]:
    """How often each of `kinds` wins the information criterion across bootstrap draws (grid fits)."""
    kinds = [k for k in grids if k in kinds]
    scores = np.stack([getattr(grids[k], criterion) + 1e-9 * len(PARAMS[k]) for k in kinds])
    winners = scores.argmin(axis=0)
    return {kind: float((winners == i).mean()) for i, kind in enumerate(kinds)}


def grid_selections(
    layers: np.ndarray,
    curves: np.ndarray,
    bounds: FitBounds = FitBounds(),
    criterion: str = "aicc",
    kinds: tuple[str, ...] = KINDS,
) -> list[Selection]:
    """`Selection`s from grid fits only (no polish), for many curves at once. curves: [n_curves, n_layers]."""
    x = np.asarray(layers, dtype=np.float64)
    y = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    grids = {kind: grid_fit(x, y, kind, bounds) for kind in KINDS}
    selections = []
    for i in range(len(y)):
        fits = {
            kind: _finish(kind, x, y[i], dict(zip(PARAMS[kind], map(float, grid.params[i]))), bounds)
            for kind, grid in grids.items()
        }
        selections.append(Selection(fits=fits, best=select(fits, criterion, kinds), criterion=criterion))
    return selections
