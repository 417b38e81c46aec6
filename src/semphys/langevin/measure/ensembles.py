"""Simulate fitted layer models with `semphys.langevin.engine` and compare the ensembles with real ones.

Issue 14, 1: "whether ensembles simulated from the fitted equation (use `langevin.engine`, the same
integrator that passed validation) reproduce the held-out per-layer mean direction, dispersion and
pairwise-angle distribution".

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

from semphys.langevin.engine import SimulationConfig, simulate
from semphys.langevin.equation import LangevinSystem
from semphys.langevin.measure.geometry import angle, unit
from semphys.langevin.measure.kramers_moyal import SphereDrift
from semphys.langevin.measure.steps import Step
from semphys.langevin.potentials import LinearPotential, Potential

PAIRS = 4000
"""Random pairs per layer for the pairwise-angle distribution."""


def _layer(t: float, n_layers: int) -> int:
    return min(max(int(np.floor(t + 1e-9)), 0), n_layers - 1)


class LayeredQuadratic(Potential):
    """U(x, t) = U_l(x) of the fitted `SphereDrift` of layer l = floor(t)."""

    name = "fitted layer quadratic"

    def __init__(self, steps: Sequence[SphereDrift]) -> None:
        self.steps = [(torch.as_tensor(s.basis), torch.as_tensor(s.coupling), torch.as_tensor(s.field))
                      for s in steps]
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
    config = SimulationConfig(dt=1.0, n_steps=len(steps), scheme="overdamped", retraction="exponential",
                              seed=seed, record_every=1, check_stability=False, log_lambda=False)
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
        return {"mean_direction_angle": float(np.mean(self.mean_direction_angle)),
                "dispersion_gap": float(np.mean(gap)), "pairwise_w1": float(np.mean(self.pairwise_w1))}


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
