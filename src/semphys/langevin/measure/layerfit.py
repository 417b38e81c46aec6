"""Fit a layer model on training windows, its rank chosen on a validation part of them.

Three kinds, one step per layer:
    `langevin`     spec 000 §4.2's overdamped Langevin on the sphere (`kramers_moyal`), U quadratic in a rank-r
                   subspace per layer;
    `homogeneous`  the same with one landscape for every layer (one subspace, K and beta fitted on the
                   increments of all layers pooled), each layer keeping its own temperature T_l (its
                   residual variance): the time-homogeneous null of "the landscape depends on its layer";
    `transport`    the Lines-of-Thought linear transport + Gaussian residual (`transport`).
The rank is the one with the best validation log-likelihood among `ranks`; the model is then refitted
on all training windows. Held-out windows are never seen here.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semphys.langevin.measure.kramers_moyal import fit_sphere_langevin, normal_equations, solve_drift, subspace_basis
from semphys.langevin.measure.steps import Step, constant_drift, random_walk, residual_variance, score
from semphys.langevin.measure.transport import fit_transport

KINDS = ("langevin", "homogeneous", "transport")


@dataclass(frozen=True)
class LayerFit:
    """A fitted layer model and how its rank was chosen."""

    kind: str
    rank: int
    steps: list[Step]
    validation_log_likelihood: dict[int, float]
    """Rank -> mean validation log-likelihood per tangent dimension."""
    ranks: tuple[int, ...] = ()
    """The candidate ranks that were tried."""

    @property
    def on_edge(self) -> bool:
        """Whether the chosen rank is the largest tried (the validation likelihood may still be rising)."""
        return bool(self.ranks) and self.rank == max(self.ranks)


def fit_homogeneous(states: np.ndarray, rank: int) -> list[Step]:
    """One sphere-Langevin landscape for every layer of states [n, L + 1, d], each layer's own T_l."""
    x = states[:, :-1].reshape(-1, states.shape[2])
    x_next = states[:, 1:].reshape(-1, states.shape[2])
    basis = subspace_basis(x, x_next, rank)
    gram, rhs = 0.0, 0.0
    for layer in range(states.shape[1] - 1):
        g, r = normal_equations(states[:, layer], states[:, layer + 1], basis)
        gram, rhs = gram + g, rhs + r
    drift = solve_drift(gram, rhs, basis)
    return [
        dataclasses.replace(drift, variance=residual_variance(drift, states[:, layer], states[:, layer + 1]))
        for layer in range(states.shape[1] - 1)
    ]


def fit_steps(states: np.ndarray, kind: str, rank: int) -> list[Step]:
    """One step per layer fitted on states [n, L + 1, d]."""
    if kind == "homogeneous":
        return fit_homogeneous(states, rank)
    steps: list[Step] = []
    for layer in range(states.shape[1] - 1):
        x, x_next = states[:, layer], states[:, layer + 1]
        if kind == "langevin":
            steps.append(fit_sphere_langevin(x, x_next, subspace_basis(x, x_next, rank)))
        elif kind == "transport":
            steps.append(fit_transport(x, x_next, rank))
        else:
            raise ValueError(f"unknown layer model {kind!r}: {KINDS}")
    return steps


def random_walk_steps(states: np.ndarray) -> list[Step]:
    """The random-walk null with each layer's training step size."""
    return [random_walk(states[:, layer], states[:, layer + 1]) for layer in range(states.shape[1] - 1)]


def constant_drift_steps(states: np.ndarray) -> list[Step]:
    """The constant-drift null (one drift vector and one isotropic noise per layer) fitted on states."""
    return [constant_drift(states[:, layer], states[:, layer + 1]) for layer in range(states.shape[1] - 1)]


def fit_layer_model(
    train: np.ndarray, kind: str, ranks: Sequence[int], valid_fraction: float = 0.2, seed: int = 0
) -> LayerFit:
    """Choose the rank on a random `valid_fraction` of `train` [n, L + 1, d], refit on all of it."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(train))
    n_valid = max(1, int(round(valid_fraction * len(train))))
    fit_part, valid_part = train[order[n_valid:]], train[order[:n_valid]]
    usable = [r for r in ranks if r <= min(len(fit_part), train.shape[2])]
    validation = {r: score(fit_steps(fit_part, kind, r), valid_part).log_likelihood for r in usable}
    best = max(validation, key=lambda r: validation[r])
    return LayerFit(
        kind=kind,
        rank=best,
        steps=fit_steps(train, kind, best),
        validation_log_likelihood=validation,
        ranks=tuple(usable),
    )
