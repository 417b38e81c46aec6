"""Simulate fitted layer models with `semphys.langevin.sde.engine` and compare the ensembles with real ones.

Spec 000 §4.2 read on the layer clock: whether ensembles simulated from the fitted equation (with
`langevin.engine`, the same integrator that passed validation) reproduce the held-out per-layer mean
direction, dispersion and pairwise-angle distribution.

Every model runs through `simulate` with the overdamped scheme, the `exponential` retraction and
dt = 1 (one step per layer, t = layer), which is the map the models were fitted as (`steps`):
- the sphere Langevin fit enters as its potential (`LayeredQuadratic`: U_l(x) = 1/2 z^T K_l z +
  beta_l^T z, z = V_l^T x) and its temperature T_l;
- any other step (the LoT transport, the nulls) enters as an external force equal to its mean
  increment, with T_l = v_l / 2.
The stability check is off: the fitted map is a dt = 1 map by construction, not an approximation of a
continuous flow that a smaller step would refine.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import wasserstein_distance
from torch import Tensor

from semphys.langevin.measure.geometry import angle, unit
from semphys.langevin.measure.kramers_moyal import SphereDrift
from semphys.langevin.measure.steps import Step
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.integration import IntegrationConfig
from semphys.langevin.sde.potentials import LinearPotential, Potential

PAIRS = 4000
"""Random pairs per layer for the pairwise-angle distribution."""


def _layer(t: float, n_layers: int) -> int:
    return min(max(int(np.floor(t + 1e-9)), 0), n_layers - 1)


class LayeredQuadratic(Potential):
    """U(x, t) = U_l(x) of the fitted `SphereDrift` of layer l = floor(t)."""

    name = "fitted layer quadratic"

    def __init__(self, steps: Sequence[SphereDrift]) -> None:
        self.steps = [(torch.as_tensor(s.basis), torch.as_tensor(s.coupling), torch.as_tensor(s.field)) for s in steps]
        self.dim = steps[0].basis.shape[0]

    def energy(self, x: Tensor, t: float = 0.0) -> Tensor:
        basis, coupling, field = (p.to(x.dtype) for p in self.steps[_layer(t, len(self.steps))])
        z = x @ basis
        return 0.5 * torch.einsum("nr,rs,ns->n", z, coupling, z) + z @ field

    def grad(self, x: Tensor, t: float = 0.0) -> Tensor:
        basis, coupling, field = (p.to(x.dtype) for p in self.steps[_layer(t, len(self.steps))])
        return (x @ basis @ coupling + field) @ basis.T


def system_of(steps: Sequence[Step], dim: int) -> LangevinSystem:
    """The layer model in R^dim as a `LangevinSystem` (eta = 1, dt = 1 per layer; see the module docstring)."""
    n_layers = len(steps)
    temperatures = [s.variance / 2 for s in steps]

    def temperature(t: float) -> float:
        return temperatures[_layer(t, n_layers)]

    if all(isinstance(s, SphereDrift) for s in steps):
        return LangevinSystem(LayeredQuadratic(steps), temperature=temperature)

    def force(x: Tensor, t: float) -> Tensor:
        return torch.as_tensor(steps[_layer(t, n_layers)].tangent_mean(x.numpy()), dtype=x.dtype)

    return LangevinSystem(LinearPotential(np.eye(dim)[0], 0.0), temperature=temperature, external_force=force)


def simulate_ensemble(steps: Sequence[Step], x0: np.ndarray, seed: int = 0) -> np.ndarray:
    """Trajectories [n, L + 1, d] from starts x0 [n, d] through the L fitted steps."""
    config = IntegrationConfig(
        dt=1.0,
        n_steps=len(steps),
        scheme="overdamped",
        retraction="exponential",
        seed=seed,
        record_every=1,
        check_stability=False,
        log_lambda=False,
    )
    trajectory = simulate(system_of(steps, x0.shape[1]), torch.as_tensor(unit(x0)), config)
    return trajectory.positions.numpy().transpose(1, 0, 2)


@dataclass(frozen=True)
class EnsembleMatch:
    """Per layer, how a simulated ensemble differs from the real one (layer 0, the shared start, left out)."""

    mean_direction_angle: list[float]
    """Angle (radians) between the simulated and the real mean direction."""
    dispersion_real: list[float]
    """1 - |mean of the unit vectors| (0: all equal, 1: spread evenly)."""
    dispersion_simulated: list[float]
    pairwise_w1: list[float]
    """Wasserstein-1 distance (radians) between the pairwise-angle distributions."""

    def summary(self) -> dict[str, float]:
        gap = np.abs(np.subtract(self.dispersion_simulated, self.dispersion_real))
        return {
            "mean_direction_angle": float(np.mean(self.mean_direction_angle)),
            "dispersion_gap": float(np.mean(gap)),
            "pairwise_w1": float(np.mean(self.pairwise_w1)),
        }


def dispersion(x: np.ndarray) -> float:
    """1 - |mean resultant| of unit rows x [n, d]."""
    return float(1.0 - np.linalg.norm(x.mean(axis=0)))


def pairwise_angles(x: np.ndarray, rng: np.random.Generator, pairs: int = PAIRS) -> np.ndarray:
    i, j = rng.integers(0, len(x), pairs), rng.integers(0, len(x), pairs)
    keep = i != j
    return angle(x[i[keep]], x[j[keep]])


def compare_ensembles(real: np.ndarray, simulated: np.ndarray, seed: int = 0) -> EnsembleMatch:
    """Real vs simulated trajectories, both [n, L + 1, d] (n may differ)."""
    rng = np.random.default_rng(seed)
    means, disp_real, disp_sim, w1 = [], [], [], []
    for layer in range(1, real.shape[1]):
        r, s = real[:, layer], simulated[:, layer]
        means.append(float(angle(unit(r.mean(axis=0))[None], unit(s.mean(axis=0))[None])[0]))
        disp_real.append(dispersion(r))
        disp_sim.append(dispersion(s))
        w1.append(float(wasserstein_distance(pairwise_angles(r, rng), pairwise_angles(s, rng))))
    return EnsembleMatch(means, disp_real, disp_sim, w1)


ENSEMBLE_STATISTICS = ("mean_direction_angle", "dispersion_gap", "pairwise_w1")
"""The three distances of a simulated ensemble from the real one, each averaged over layers 1..L."""


def _direction_terms(real_sum: np.ndarray, sim_sum: np.ndarray, total: float) -> np.ndarray:
    """[draws, 2]: mean-direction angle and dispersion gap averaged over layers.

    real_sum, sim_sum [draws, L, d]: (weighted) sums of the windows' states at layers 1..L; total the
    sum of the weights (1 - dispersion = |sum| / total).
    """
    cos = np.sum(unit(real_sum) * unit(sim_sum), axis=-1)
    mean_angle = np.arccos(np.clip(cos, -1.0, 1.0)).mean(axis=1)
    gap = (np.abs(np.linalg.norm(real_sum, axis=-1) - np.linalg.norm(sim_sum, axis=-1)) / total).mean(axis=1)
    return np.stack([mean_angle, gap], axis=1)


def _w1_batch(real: np.ndarray, real_weights: np.ndarray, sim: np.ndarray, sim_weights: np.ndarray) -> np.ndarray:
    """[draws]: Wasserstein-1 distance between weighted samples, one weighting per draw.

    real [P], sim [M] values; real_weights [draws, P], sim_weights [draws, M] (non-negative). The
    values are sorted once; each draw's distance is the integral of |F - G| over the merged values.
    """
    values = np.concatenate([real, sim])
    order = np.argsort(values, kind="stable")
    gaps = np.diff(values[order])
    steps = np.concatenate(
        [real_weights / real_weights.sum(axis=1, keepdims=True), -sim_weights / sim_weights.sum(axis=1, keepdims=True)],
        axis=1,
    )[:, order]
    return np.abs(np.cumsum(steps, axis=1)[:, :-1]) @ gaps


def _pair_angles(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """[L, P]: angle between a[i_p] and b[j_p] at each layer; a, b [n, L, d]."""
    cos = np.einsum("pld,pld->lp", a[i], b[j])
    return np.arccos(np.clip(cos, -1.0, 1.0))


@dataclass(frozen=True)
class PairedEnsembleTest:
    """(b)'s simulated ensemble against each null's, both from the same held-out starts, per statistic.

    `difference[s][null]` is distance(null) - distance(model): positive when the model is closer to the
    real ensemble. `margin_draws[s]` are bootstrap draws (windows resampled, every ensemble with the same
    windows) of the smallest difference over the nulls; `permutation_draws[s][null]` the difference after
    swapping model and null at a random half of the windows (the paired label-swap null: if the two
    models simulated the same distribution from each start, the swap would not change it). Pairwise
    angles are taken over one fixed set of window pairs, weighted by their multiplicity in a draw.
    """

    model: dict[str, float]
    nulls: dict[str, dict[str, float]]
    difference: dict[str, dict[str, float]]
    margin_draws: dict[str, list[float]]
    permutation_draws: dict[str, dict[str, list[float]]]


def _all_distances(real_sum, sim_sum, total, real_pairs, real_w, sim_pairs, sim_w) -> np.ndarray:
    """[draws, 3] distances in `ENSEMBLE_STATISTICS` order; pairs [L, P or M], weights [draws, P or M]."""
    w1 = np.mean([_w1_batch(r, real_w, s, sim_w) for r, s in zip(real_pairs, sim_pairs)], axis=0)
    terms = _direction_terms(real_sum, sim_sum, total)
    return np.stack([terms[:, 0], terms[:, 1], w1], axis=1)


TEST_PAIRS = 1000
"""Window pairs per layer of the paired tests' pairwise-angle distributions (their cost grows with it)."""


def paired_ensemble_test(
    real: np.ndarray,
    model: np.ndarray,
    nulls: dict[str, np.ndarray],
    n_boot: int = 200,
    n_perm: int = 999,
    pairs: int = TEST_PAIRS,
    seed: int = 0,
) -> PairedEnsembleTest:
    """Paired bootstrap and label-swap permutation of the ensemble distances; arrays [n, L + 1, d]."""
    rng = np.random.default_rng(seed)
    real, model = real[:, 1:], model[:, 1:]
    nulls = {name: sim[:, 1:] for name, sim in nulls.items()}
    n = len(real)
    i, j = rng.integers(0, n, pairs), rng.integers(0, n, pairs)
    i, j = i[i != j], j[i != j]
    real_pairs = _pair_angles(real, real, i, j)
    model_pairs = _pair_angles(model, model, i, j)
    null_pairs = {name: _pair_angles(sim, sim, i, j) for name, sim in nulls.items()}

    def sums(w: np.ndarray, x: np.ndarray) -> np.ndarray:  # w [draws, n], x [n, L, d] -> [draws, L, d]
        return (w @ x.reshape(len(x), -1)).reshape(len(w), *x.shape[1:])

    ones, pair_ones = np.ones((1, n)), np.ones((1, len(i)))
    real_sum, model_sum = sums(ones, real), sums(ones, model)
    null_sum = {name: sums(ones, sim) for name, sim in nulls.items()}
    observed_model = _all_distances(real_sum, model_sum, n, real_pairs, pair_ones, model_pairs, pair_ones)[0]
    observed_nulls = {
        name: _all_distances(real_sum, null_sum[name], n, real_pairs, pair_ones, null_pairs[name], pair_ones)[0]
        for name in nulls
    }
    w = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(n_boot)]).astype(float)
    pw = w[:, i] * w[:, j]
    boot_real = sums(w, real)
    base = _all_distances(boot_real, sums(w, model), n, real_pairs, pw, model_pairs, pw)
    margins = np.min(
        [
            _all_distances(boot_real, sums(w, sim), n, real_pairs, pw, null_pairs[name], pw) - base
            for name, sim in nulls.items()
        ],
        axis=0,
    )
    swaps: dict[str, np.ndarray] = {}
    real_sorted = np.sort(real_pairs, axis=1)
    columns = np.arange(len(i))

    def swapped_w1(blocks: np.ndarray, case: np.ndarray) -> np.ndarray:
        """[draws]: W1 to the real pairs, averaged over layers, of the arm whose pair p takes block case[:, p]."""
        # equal numbers of pairs, uniform weights: W1 is the mean gap between the sorted samples
        return np.mean(
            [
                np.mean(np.abs(np.sort(blocks[:, l][case, columns], axis=1) - real_sorted[l]), axis=1)
                for l in range(blocks.shape[1])
            ],
            axis=0,
        )

    for name, sim in nulls.items():
        flip = (rng.random((n_perm, n)) < 0.5).astype(float)
        moved = sums(flip, sim - model)
        # the pair angles of each swapped arm, from four blocks (model-model, model-null, null-model,
        # null-null): arm A takes the null at flipped windows, arm B the model
        blocks = np.stack(
            [model_pairs, _pair_angles(model, sim, i, j), _pair_angles(sim, model, i, j), null_pairs[name]]
        )
        case = 2 * (flip[:, i] > 0) + (flip[:, j] > 0)
        a = _direction_terms(real_sum, model_sum + moved, n)
        b = _direction_terms(real_sum, null_sum[name] - moved, n)
        swaps[name] = np.column_stack([b - a, swapped_w1(blocks, 3 - case) - swapped_w1(blocks, case)])
    names = ENSEMBLE_STATISTICS
    return PairedEnsembleTest(
        model=dict(zip(names, observed_model.tolist())),
        nulls={s: {name: float(v[k]) for name, v in observed_nulls.items()} for k, s in enumerate(names)},
        difference={
            s: {name: float(v[k] - observed_model[k]) for name, v in observed_nulls.items()}
            for k, s in enumerate(names)
        },
        margin_draws={s: margins[:, k].tolist() for k, s in enumerate(names)},
        permutation_draws={s: {name: d[:, k].tolist() for name, d in swaps.items()} for k, s in enumerate(names)},
    )
