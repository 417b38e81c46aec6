"""Spec 000 §4.3: temperature as a probe, checked as a fluctuation-dissipation relation.

In a locally quadratic landscape U = 1/2 (x - x*)^T H (x - x*) the Gibbs state at temperature T has
covariance T H^{-1}, so the spread tr Cov_T grows linearly in T with slope tr H^{-1}, and the Hessian
inferred at each temperature, H_T = T Cov_T^{-1}, is the same at every T.

Input: the Gram matrix of all samples (every temperature pooled, [N, N]) and each sample's temperature.
The samples are centred on their pooled mean and projected on their top `rank` principal directions
(from the eigen-decomposition of the centred Gram, so full-vocabulary states need not be stored); each
temperature's covariance is taken in those common coordinates. Reported:
- spread per T, the least-squares line spread = slope T + intercept and its R^2;
- `null_slopes`, `null_r_squared`: slope and R^2 when the temperature labels are shuffled over the
  samples (same sample sizes), `NULL_SHUFFLES` times. R^2 alone is no evidence with a handful of
  temperatures: through 4 points without any trend, R^2 exceeds 0.9 one time in twenty (0.93 seen on
  a test), so linearity counts only against what the shuffled labels give;
- `slope_draws`, `r_squared_draws`: the same with the samples of each temperature resampled with
  replacement (`BOOTSTRAP_DRAWS`; the principal coordinates kept), for their intervals;
- `hessian_disagreement`: the mean relative Frobenius distance of H_T from their mean; its noise floor
  `split_half_disagreement` is the same distance between the two halves of one temperature's samples
  (`split_half_draws`: one draw per random split, averaged over temperatures).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NULL_SHUFFLES = 2000
"""Label shuffles (p floor 1 / 2001: room for Holm over a table of findings)."""
BOOTSTRAP_DRAWS = 200


@dataclass(frozen=True)
class FluctuationProbe:
    temperatures: list[float]
    spread: list[float]
    """tr Cov_T in the top-`rank` subspace, per temperature."""
    slope: float
    intercept: float
    r_squared: float
    null_slopes: list[float]
    null_r_squared: list[float]
    slope_draws: list[float]
    r_squared_draws: list[float]
    hessian_eigenvalues: list[list[float]]
    """Eigenvalues of H_T = T Cov_T^{-1}, per temperature (ascending)."""
    hessian_disagreement: float
    split_half_disagreement: float
    split_half_draws: list[float]


def principal_coordinates(gram: np.ndarray, rank: int) -> np.ndarray:
    """[N, rank] coordinates of the centred samples on their top principal directions, from gram [N, N]."""
    n = len(gram)
    centring = np.eye(n) - np.ones((n, n)) / n
    eigenvalues, vectors = np.linalg.eigh(centring @ gram @ centring)
    top = np.argsort(eigenvalues)[::-1][:rank]
    return vectors[:, top] * np.sqrt(np.maximum(eigenvalues[top], 0))


def _line(temperatures: np.ndarray, spread: np.ndarray) -> tuple[float, float, float]:
    slope, intercept = np.polyfit(temperatures, spread, 1)
    fitted = slope * temperatures + intercept
    total = np.sum((spread - spread.mean()) ** 2)
    r_squared = 1.0 - np.sum((spread - fitted) ** 2) / total if total > 0 else 0.0
    return float(slope), float(intercept), float(r_squared)


def _spreads(coords: np.ndarray, labels: np.ndarray, temperatures: Sequence[float]) -> np.ndarray:
    return np.array([np.trace(np.atleast_2d(np.cov(coords[labels == t].T))) for t in temperatures])


def _hessian(coords: np.ndarray, temperature: float) -> np.ndarray:
    return temperature * np.linalg.pinv(np.atleast_2d(np.cov(coords.T)))


def _relative(hessians: Sequence[np.ndarray]) -> float:
    mean = np.mean(hessians, axis=0)
    return float(np.mean([np.linalg.norm(h - mean) / np.linalg.norm(mean) for h in hessians]))


def fluctuation_probe(gram: np.ndarray, labels: Sequence[float], rank: int, seed: int = 0) -> FluctuationProbe:
    """The probe on samples with Gram matrix gram [N, N] and temperatures labels [N] (>= 2 distinct)."""
    labels = np.asarray(labels, dtype=float)
    temperatures = sorted(set(labels.tolist()))
    coords = principal_coordinates(gram, rank)
    spread = _spreads(coords, labels, temperatures)
    t = np.array(temperatures)
    slope, intercept, r_squared = _line(t, spread)
    rng = np.random.default_rng(seed)
    null = [_line(t, _spreads(coords, rng.permutation(labels), temperatures)) for _ in range(NULL_SHUFFLES)]
    groups = [np.flatnonzero(labels == temp) for temp in temperatures]
    boot = []
    for _ in range(BOOTSTRAP_DRAWS):
        rows = np.concatenate([rng.choice(g, len(g)) for g in groups])
        boot.append(_line(t, _spreads(coords[rows], labels[rows], temperatures)))
    hessians = [_hessian(coords[labels == temp], temp) for temp in temperatures]
    splits = []
    for _ in range(BOOTSTRAP_DRAWS):
        halves = []
        for temp, group in zip(temperatures, groups):
            rows = rng.permutation(group)
            half = len(rows) // 2
            halves.append(_relative([_hessian(coords[rows[:half]], temp), _hessian(coords[rows[half:]], temp)]))
        splits.append(float(np.mean(halves)))
    return FluctuationProbe(
        temperatures=temperatures,
        spread=spread.tolist(),
        slope=slope,
        intercept=intercept,
        r_squared=r_squared,
        null_slopes=[n[0] for n in null],
        null_r_squared=[n[2] for n in null],
        slope_draws=[b[0] for b in boot],
        r_squared_draws=[b[2] for b in boot],
        hessian_eigenvalues=[np.linalg.eigvalsh(h).tolist() for h in hessians],
        hessian_disagreement=_relative(hessians),
        split_half_disagreement=float(np.median(splits)),
        split_half_draws=splits,
    )
