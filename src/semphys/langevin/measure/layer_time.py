"""The layer clock (issue 14, 1): fit (a) and (b) on training lines of thought, score them on held-out ones.

Models, each one step per layer (`steps`):
    langevin            (b) spec 4.2's overdamped sphere Langevin, Kramers-Moyal (`kramers_moyal`)
    transport           (a) the Lines-of-Thought transport + Gaussian residual (`transport`)
    random_walk         null: no drift, the training step sizes
    permuted_langevin   null: (b)'s steps at the wrong layers (a fixed derangement)
    permuted_transport  null: (a)'s likewise
    deterministic       null: (b) without noise (its likelihood is undefined; it enters the ensembles)
Scores on held-out windows: increment log-likelihood and one-step angle (`evaluation`); ensembles
simulated from the held-out layer-0 states through `semphys.langevin.engine` (`ensembles`) against the
real ones, with the split-half distance of the real ensemble as the sampling floor; for a causal
model, KL(real || simulated) of the next-token distributions read through the model's own final norm
and unembedding (`semphys.lm.logit_chunks`), with "another window's real state" as the floor a model
that knows nothing about the window reaches.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from semphys.langevin.measure.ensembles import compare_ensembles, simulate_ensemble
from semphys.langevin.measure.evaluation import score
from semphys.langevin.measure.layerfit import fit_layer_model, random_walk_steps
from semphys.langevin.measure.steps import deterministic, permuted
from semphys.langevin.measure.vocab import row_kl
from semphys.langevin.measure.windows import LineStates
from semphys.lm import LM, logit_chunks


@dataclass(frozen=True)
class LayerTimeConfig:
    """Settings of the layer clock (issue 14, 1)."""

    langevin_ranks: tuple[int, ...] = (2, 4, 8, 16)
    """Candidate ranks of U's subspace, chosen on validation (the fit costs O(n r^5) per layer)."""
    transport_ranks: tuple[int, ...] = (4, 16, 64, 256)
    """Candidate ranks of the LoT transport."""
    valid_fraction: float = 0.2
    """Share of the training windows that chooses the rank."""
    kl_windows: int = 64
    """Held-out windows whose next-token distributions are compared (causal models)."""
    seed: int = 0


@dataclass(frozen=True)
class LayerTimeResult:
    section: dict
    real: np.ndarray
    """Held-out lines [n, L + 1, d]."""
    simulated: dict[str, np.ndarray]
    """Model name -> simulated lines from the same starts."""


def _langevin_facts(steps: list) -> dict:
    taus = [step.relaxation_times() for step in steps]
    eigenvalues = [np.linalg.eigvalsh(step.coupling) for step in steps]
    return {
        "temperature": [step.temperature for step in steps],
        "confining_fraction": [float(np.mean(e > 0)) for e in eigenvalues],
        "median_relaxation_time": [float(np.median(t)) if len(t) else None for t in taus],
        "assumptions": "eta = 1 (only U/eta and T/eta are identifiable from increments); isotropic tangent "
                       "noise; one Euler-Maruyama step (exponential retraction) per layer, dt = 1",
    }


def _kl(lm: LM, real_final: np.ndarray, simulated_final: np.ndarray, scale: float) -> float:
    """Mean KL(real || simulated) of next-token distributions; directions [n, d] scaled to |h| = scale."""
    real = torch.as_tensor(real_final * scale, dtype=torch.float32)
    sim = torch.as_tensor(simulated_final * scale, dtype=torch.float32)
    return float(np.mean(row_kl(logit_chunks(lm, real), logit_chunks(lm, sim))))


def measure_layer_time(lm: LM, train: LineStates, held_out: LineStates, config: LayerTimeConfig,
                       log: Callable[[str], None] = lambda message: None) -> LayerTimeResult:
    x_train, x_held = train.directions, held_out.directions
    log(f"{lm.facts.spec}: fitting (b) sphere Langevin and (a) LoT transport on {len(x_train)} windows")
    langevin = fit_layer_model(x_train, "langevin", config.langevin_ranks, config.valid_fraction, config.seed)
    transport = fit_layer_model(x_train, "transport", config.transport_ranks, config.valid_fraction, config.seed)
    models = {
        "langevin": langevin.steps,
        "transport": transport.steps,
        "random_walk": random_walk_steps(x_train),
        "permuted_langevin": permuted(langevin.steps, config.seed),
        "permuted_transport": permuted(transport.steps, config.seed),
        "deterministic": deterministic(langevin.steps),
    }
    scores = {name: score(steps, x_held).__dict__ for name, steps in models.items()}
    log(f"{lm.facts.spec}: simulating ensembles with langevin.engine")
    simulated = {name: simulate_ensemble(steps, x_held[:, 0], seed=config.seed) for name, steps in models.items()}
    matches = {name: compare_ensembles(x_held, sim, config.seed) for name, sim in simulated.items()}
    half = len(x_held) // 2
    floor = compare_ensembles(x_held[:half], x_held[half:], config.seed)
    section = {
        "n_train": len(x_train), "n_held_out": len(x_held), "n_layers": x_train.shape[1] - 1,
        "d_model": x_train.shape[2],
        "norm_mean": train.norms.mean(axis=0).tolist(),
        "consecutive_cosine": np.mean(np.sum(x_train[:, 1:] * x_train[:, :-1], axis=2), axis=0).tolist(),
        "fits": {
            "langevin": {"rank": langevin.rank, "validation_log_likelihood": langevin.validation_log_likelihood,
                         **_langevin_facts(langevin.steps)},
            "transport": {"rank": transport.rank, "validation_log_likelihood": transport.validation_log_likelihood,
                          "variance": [step.variance for step in transport.steps]},
        },
        "held_out": scores,
        "ensembles": {name: {**match.summary(), "per_layer": match.__dict__} for name, match in matches.items()},
        "ensemble_floor": floor.summary(),
        "next_token_kl": None,
    }
    if lm.facts.causal:
        log(f"{lm.facts.spec}: next-token KL through the final norm and unembedding")
        rows = slice(0, min(config.kl_windows, len(x_held)))
        scale = float(train.norms[:, -1].mean())
        real_final = x_held[rows, -1]
        kl = {name: _kl(lm, real_final, sim[rows, -1], scale) for name, sim in simulated.items()}
        kl["other_window"] = _kl(lm, real_final, np.roll(real_final, 1, axis=0), scale)
        section["next_token_kl"] = kl
    return LayerTimeResult(section=section, real=x_held, simulated=simulated)
