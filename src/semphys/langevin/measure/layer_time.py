"""The layer clock (spec 000 §4.2 on lines of thought): fit (a) and (b) on training lines, score them on held-out ones.

Models, each one step per layer (`steps`):
    langevin            (b) spec 000 §4.2's overdamped sphere Langevin, Kramers-Moyal (`kramers_moyal`)
    transport           (a) the Lines-of-Thought transport + Gaussian residual (`transport`)
    homogeneous         null of "depends on its layer": (b) with one landscape for every layer, each
                        layer keeping its T_l (`layerfit`), rank chosen on the same grid
    random_walk         null: no drift, the training step sizes
    constant_drift      null: one drift vector per layer and isotropic noise
    deterministic       null: (b) without noise (its likelihood is undefined; it enters the ensembles)
(a), (b) and the homogeneous fit choose their rank on one grid (`LayerTimeConfig.ranks`): the same
budget for all three. Scores on held-out windows: increment log-likelihood and one-step angle, per
window (`evaluation`); ensembles simulated from the held-out layer-0 states through
`semphys.langevin.sde.engine` (`ensembles`) against the real ones, with paired bootstrap and label-swap
permutation draws against each null, and the split-half distance of the real ensemble as the sampling
floor; for a causal
model, KL(real || simulated) of the next-token distributions read through the model's own final norm
and unembedding (`semphys.lm.logit_chunks`), with "another window's real state" as the floor a model
that knows nothing about the window reaches.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from semphys.langevin.measure.ensembles import compare_ensembles, paired_ensemble_test, simulate_ensemble
from semphys.langevin.measure.layerfit import LayerFit, constant_drift_steps, fit_layer_model, random_walk_steps
from semphys.langevin.measure.steps import deterministic, score
from semphys.langevin.measure.vocab import row_kl
from semphys.langevin.measure.windows import LineStates
from semphys.lm import LM, logit_chunks


@dataclass(frozen=True)
class LayerTimeConfig:
    """Settings of the layer clock (spec 000 §4.2)."""

    ranks: tuple[int, ...] = (2, 4, 8, 16, 32)
    """Candidate ranks of (b)'s subspace, of (a)'s transport and of the homogeneous null, chosen on
    validation: one budget for all (the sphere-Langevin fit costs O(n r^5) per layer: rank 64 took
    about 23 s per layer on this project's 2-core machine)."""
    valid_fraction: float = 0.2
    """Share of the training windows that chooses the rank."""
    kl_windows: int = 64
    """Held-out windows whose next-token distributions are compared (causal models)."""
    bootstrap_draws: int = 200
    """Paired bootstrap draws over held-out windows (ensemble rows)."""
    permutation_draws: int = 999
    """Label-swap permutations per null (ensemble rows; p floor 1 / 1000, room for Holm over the table)."""
    ensemble_pairs: int = 1000
    """Random window pairs per layer for the pairwise-angle distributions of the paired tests (the
    descriptive per-layer comparison uses `ensembles.PAIRS`)."""
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


def _kl(lm: LM, real_final: np.ndarray, simulated_final: np.ndarray, scale: float) -> list[float]:
    """KL(real || simulated) of next-token distributions per window; directions [n, d] scaled to |h| = scale."""
    real = torch.as_tensor(real_final * scale, dtype=torch.float32)
    sim = torch.as_tensor(simulated_final * scale, dtype=torch.float32)
    return np.asarray(row_kl(logit_chunks(lm, real), logit_chunks(lm, sim)), dtype=np.float64).tolist()


def _fit_facts(fit: LayerFit) -> dict:
    return {
        "rank": fit.rank,
        "ranks": list(fit.ranks),
        "rank_on_edge": fit.on_edge,
        "validation_log_likelihood": fit.validation_log_likelihood,
    }


ENSEMBLE_NULLS = ("random_walk", "constant_drift", "deterministic")
"""The nulls (b)'s simulated ensembles must beat."""


def fit_layer_clock(x_train: np.ndarray, config: LayerTimeConfig) -> dict[str, LayerFit | list]:
    """Every layer model of the module docstring fitted on training lines x_train [n, L + 1, d]."""
    fits = {
        kind: fit_layer_model(x_train, kind, config.ranks, config.valid_fraction, config.seed)
        for kind in ("langevin", "transport", "homogeneous")
    }
    return {
        **fits,
        "random_walk": random_walk_steps(x_train),
        "constant_drift": constant_drift_steps(x_train),
        "deterministic": deterministic(fits["langevin"].steps),
    }


def steps_of(fitted: dict[str, LayerFit | list]) -> dict[str, list]:
    return {name: fit.steps if isinstance(fit, LayerFit) else fit for name, fit in fitted.items()}


def held_out_scores(x_train: np.ndarray, x_held: np.ndarray, config: LayerTimeConfig) -> tuple[dict, dict, dict]:
    """(fits section, held-out scores per model): the part of the layer clock that needs no language model."""
    fitted = fit_layer_clock(x_train, config)
    fits = {
        "langevin": {**_fit_facts(fitted["langevin"]), **_langevin_facts(fitted["langevin"].steps)},
        "transport": {
            **_fit_facts(fitted["transport"]),
            "variance": [step.variance for step in fitted["transport"].steps],
        },
        "homogeneous": {
            **_fit_facts(fitted["homogeneous"]),
            "temperature": [step.temperature for step in fitted["homogeneous"].steps],
        },
    }
    scores = {name: score(steps, x_held).__dict__ for name, steps in steps_of(fitted).items()}
    return fits, scores, fitted


def layer_section(
    x_train: np.ndarray, x_held: np.ndarray, config: LayerTimeConfig, log: Callable[[str], None] = lambda message: None
) -> tuple[dict, dict[str, np.ndarray]]:
    """The layer clock without a language model: fits, held-out scores, ensembles and their paired tests.

    x_train, x_held: lines of thought [n, L + 1, d] (unit rows). Returns (the section, minus the
    model's facts and the next-token KL; the simulated ensembles by model).
    """
    fits, scores, fitted = held_out_scores(x_train, x_held, config)
    models = {name: steps for name, steps in steps_of(fitted).items() if name != "homogeneous"}
    log("simulating ensembles with langevin.engine")
    simulated = {name: simulate_ensemble(steps, x_held[:, 0], seed=config.seed) for name, steps in models.items()}
    matches = {name: compare_ensembles(x_held, sim, config.seed) for name, sim in simulated.items()}
    half = len(x_held) // 2
    floor = compare_ensembles(x_held[:half], x_held[half:], config.seed)
    test = paired_ensemble_test(
        x_held,
        simulated["langevin"],
        {name: simulated[name] for name in ENSEMBLE_NULLS},
        config.bootstrap_draws,
        config.permutation_draws,
        config.ensemble_pairs,
        seed=config.seed,
    )
    section = {
        "n_train": len(x_train),
        "n_held_out": len(x_held),
        "n_layers": x_train.shape[1] - 1,
        "d_model": x_train.shape[2],
        "consecutive_cosine": np.mean(np.sum(x_train[:, 1:] * x_train[:, :-1], axis=2), axis=0).tolist(),
        "fits": fits,
        "held_out": scores,
        "ensembles": {name: {**match.summary(), "per_layer": match.__dict__} for name, match in matches.items()},
        "ensemble_floor": floor.summary(),
        "ensemble_test": test.__dict__,
        "next_token_kl": None,
    }
    return section, simulated


def measure_layer_time(
    lm: LM,
    train: LineStates,
    held_out: LineStates,
    config: LayerTimeConfig,
    log: Callable[[str], None] = lambda message: None,
) -> LayerTimeResult:
    x_train, x_held = train.directions, held_out.directions
    log(
        f"{lm.facts.spec}: fitting (b) sphere Langevin, its homogeneous null and (a) LoT transport on "
        f"{len(x_train)} windows, ranks {list(config.ranks)}"
    )
    section, simulated = layer_section(x_train, x_held, config, lambda message: log(f"{lm.facts.spec}: {message}"))
    section["norm_mean"] = train.norms.mean(axis=0).tolist()
    if lm.facts.causal:
        log(f"{lm.facts.spec}: next-token KL through the final norm and unembedding")
        rows = slice(0, min(config.kl_windows, len(x_held)))
        scale = float(train.norms[:, -1].mean())
        real_final = x_held[rows, -1]
        kl = {name: _kl(lm, real_final, sim[rows, -1], scale) for name, sim in simulated.items()}
        kl["other_window"] = _kl(lm, real_final, np.roll(real_final, 1, axis=0), scale)
        section["next_token_kl"] = {name: float(np.mean(values)) for name, values in kl.items()}
        section["next_token_kl_per_window"] = kl
    return LayerTimeResult(section=section, real=x_held, simulated=simulated)
