"""Where a sigma curve makes its transition, and how abrupt it is (spec 001, exp. 2 and "判定基準").

One definition of the critical layer l_c for every form: the layer where the
fitted curve reaches half its rise over the fitted layers, i.e. where it crosses the mean of its
values at the first and the last fitted layer. Each form's own parameter l_c means something else
(the onset of the second-order power law, the midpoint of tanh and of the step), so a median over
prompts whose selected forms differ would mix an onset with midpoints. In closed form:

    second_order  l_c + 2^(-1/beta) (L - l_c)                  (the curve is flat up to l_c)
    tanh          l_c + artanh((t_0 + t_L) / 2) / kappa,       t_x = tanh(kappa (x - l_c))
    step          l_c                                          (the whole rise happens there)

with 0 and L the first and the last fitted layer. Beside it, a fit-free l_c: the same half-rise
crossing read from sigma itself, linearly interpolated between layers (`sigma_half_rise`).

The jump at the transition (`transition_share`): |sigma(l_c + 1) - sigma(l_c - 1)| (sigma
interpolated, the window clipped to the fitted layers) as a share of the curve's whole excursion
max sigma - min sigma. A transition concentrated at l_c gives about 1; a straight ramp over L layers
gives 2 / L; a flat noisy curve gives whatever two layers of its noise give, which is what its null
measures. Every function is vectorised over leading axes.
"""

import numpy as np

TRANSITION_HALF_WIDTH = 1.0
"""The transition window is l_c - 1 to l_c + 1 layers."""


def half_rise_layer(kind: str, params: np.ndarray, first: float, last: float) -> np.ndarray:
    """Half-rise layer of fitted curves. params: [..., n_params] in `fits.PARAMS[kind]` order -> [...].

    first, last: the first and the last fitted layer. NaN for a curve with no rise (A = 0).
    """
    params = np.asarray(params, dtype=np.float64)
    slope, l_c = params[..., 1], params[..., 2]
    if kind == "step":
        half = l_c.copy()
    elif kind == "second_order":
        half = l_c + 2.0 ** (-1.0 / params[..., 3]) * (last - l_c)
    elif kind == "tanh":
        kappa = params[..., 3]
        middle = (np.tanh(kappa * (first - l_c)) + np.tanh(kappa * (last - l_c))) / 2
        half = l_c + np.arctanh(np.clip(middle, -1 + 1e-15, 1 - 1e-15)) / kappa
    else:
        raise ValueError(f"unknown fit type {kind!r}")
    return np.where(slope != 0, np.clip(half, first, last), np.nan)


def _interpolate(sigma: np.ndarray, layers: np.ndarray, at: np.ndarray) -> np.ndarray:
    """sigma [..., n] linearly interpolated at `at` [...] (one point per curve, clipped to the layers)."""
    at = np.clip(at, layers[0], layers[-1])
    right = np.clip(np.searchsorted(layers, at, side="right"), 1, len(layers) - 1)
    left = right - 1
    x0, x1 = layers[left], layers[right]
    y0 = np.take_along_axis(sigma, left[..., None], axis=-1)[..., 0]
    y1 = np.take_along_axis(sigma, right[..., None], axis=-1)[..., 0]
    return y0 + (y1 - y0) * (at - x0) / (x1 - x0)


def sigma_half_rise(sigma: np.ndarray, layers: np.ndarray) -> np.ndarray:
    """Fit-free l_c: the first layer where sigma [..., n] reaches the mean of its end values, interpolated.

    NaN for a curve whose end values are equal (no rise to halve).
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    layers = np.asarray(layers, dtype=np.float64)
    start, end = sigma[..., 0], sigma[..., -1]
    direction = np.sign(end - start)
    progress = (sigma - ((start + end) / 2)[..., None]) * direction[..., None]  # >= 0 once half-way
    reached = progress >= 0
    index = np.clip(reached.argmax(axis=-1), 1, len(layers) - 1)
    p0 = np.take_along_axis(progress, (index - 1)[..., None], axis=-1)[..., 0]
    p1 = np.take_along_axis(progress, index[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(p1 != p0, -p0 / (p1 - p0), 0.0)
    half = layers[index - 1] + np.clip(fraction, 0, 1) * (layers[index] - layers[index - 1])
    return np.where(direction != 0, half, np.nan)


def transition_share(sigma: np.ndarray, layers: np.ndarray, l_c: np.ndarray) -> np.ndarray:
    """|sigma(l_c + 1) - sigma(l_c - 1)| / (max sigma - min sigma) per curve. sigma: [..., n]; l_c: [...].

    NaN where l_c is NaN or the curve is flat.
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    layers = np.asarray(layers, dtype=np.float64)
    l_c = np.asarray(l_c, dtype=np.float64)
    defined = np.isfinite(l_c)
    centre = np.where(defined, l_c, layers[0])
    change = np.abs(
        _interpolate(sigma, layers, centre + TRANSITION_HALF_WIDTH)
        - _interpolate(sigma, layers, centre - TRANSITION_HALF_WIDTH)
    )
    excursion = sigma.max(axis=-1) - sigma.min(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = change / excursion
    return np.where(defined & (excursion > 0), share, np.nan)
