"""Held-out evaluation of trained models: every figure next to its baseline.

On the held-out windows (validation split, split by synset; `semphys.samadhi.data`):

    concepts      winner-probe accuracy (the winner's concept, `probe_concept`) vs nearest centroid,
                  a logistic-regression probe, the spec's untrained Vitakka, chance
    gate          AUROC of max_k Score_k for real vs noise windows (random tokens, shuffled documents,
                  both, and word salad: a held-out kind no part of training saw), open rates at theta;
                  vs the spec's untrained Vitakka and a logistic regression trained to tell real from
                  the trained noise kinds
    per variant (standard, probe_specific), hard mode, on the gate-open real windows:
      refinement  steps to eps (plain iteration): median, quartiles, histogram, converged share
      solvers     plain vs Anderson: G evaluations to the same eps, agreement of S_final, seconds
      stability   relative change of S_final and of S_0 under Gaussian input noise of several sizes
                  (standardised units), and how often the winner or the gate flips
      retention   I_NCE(S_final; S_0) with the trained critic, the entropy of the winner (what S_final
                  can carry if it is a function of the winner), and a logistic-regression concept
                  probe on S_final vs on S_0

`evaluate_samadhi` returns these figures as a dict; `semphys.experiments.samadhi.eval` reads a run
directory, decides the claims (`semphys.samadhi.claims`, from the `per_window` figures stored beside
each part) and writes eval.json.
"""

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torch import Tensor

from semphys.samadhi import baselines
from semphys.samadhi.claims import STEP_CLAIM
from semphys.samadhi.data import HELD_OUT_NOISE, TRAINED_NOISE, ConceptData, WindowSet
from semphys.samadhi.loss import mutual_information
from semphys.samadhi.model import Inference, SamadhiModel
from semphys.samadhi.vicara import Vicara

PERTURBATIONS = (0.01, 0.05, 0.2)
"""Standard deviations of the Gaussian noise added to the standardised input tokens."""
MI_BATCH = 256
"""Pairs per InfoNCE estimate (the bound saturates at log of this)."""
BETAS = (0.3, 0.5, 0.7, 0.8, 0.9, 1.0)
"""Update rates at which the trained refiners are also iterated (the fixed points do not depend on b): the
spec defines S <- (1 - b) S + b Phi(S) with b in (0, 1] and gives no value, so the steps claim is
reported across that range, not only at the chosen 0.9."""
NULL_SEED = 12345
"""Seed of the untrained refiners, the steps claim's null."""
BETA_MAX_STEPS = 200


def _concepts(model: SamadhiModel, data: ConceptData, seed: int) -> dict:
    train, valid = data.train.select("real"), data.valid.select("real")
    n = len(data.concepts)
    with torch.no_grad():
        out = model.vitakka(valid.features, valid.mask)
        pure = baselines.spec_vitakka(model.config, train)(valid.features, valid.mask)
    predicted = model.probe_concept[out.winner]
    canonical = out.scores[:, :n].argmax(dim=1)
    nearest = baselines.nearest_centroid_predictions(train, valid, n)
    linear = baselines.linear_probe_predictions(train, valid, seed)
    return {
        "n_windows": len(valid),
        "n_concepts": n,
        "winner_probe": float((predicted == valid.labels).float().mean()),
        "winner_probe_gate_open": float((predicted == valid.labels)[out.gate].float().mean())
        if out.gate.any()
        else None,
        "canonical_argmax": float((canonical == valid.labels).float().mean()),
        "learned_probe_wins": float((out.winner >= n).float().mean()),
        "baselines": {
            "nearest_centroid": float((nearest == valid.labels).float().mean()),
            "linear_probe": float((linear == valid.labels).float().mean()),
            "spec_untrained_vitakka": float((pure.winner == valid.labels).float().mean()),
            "chance": 1.0 / n,
        },
        "per_window": {
            "synset": valid.synsets,
            "label": valid.labels.tolist(),
            "winner_probe": predicted.tolist(),
            "nearest_centroid": nearest.tolist(),
            "linear_probe": linear.tolist(),
        },
    }


def _gate(model: SamadhiModel, data: ConceptData, seed: int) -> dict:
    """AUROC of max Score, real vs each noise kind: the trained kinds, both together (`noise`), and the
    held-out kind (`word_salad`, `HELD_OUT_NOISE`), which neither stage 1 nor the linear baseline saw."""
    valid, train = data.valid, data.train
    theta = model.config.theta
    pure = baselines.spec_vitakka(model.config, train.select("real"))
    kinds = ("real", *TRAINED_NOISE, *HELD_OUT_NOISE)
    result: dict = {
        "theta": theta,
        "auroc": {},
        "open_rate": {},
        "held_out_noise": list(HELD_OUT_NOISE),
        "baselines": {"spec_untrained_vitakka": {}, "linear_classifier": {}},
    }
    with torch.no_grad():
        maxima = {
            kind: model.vitakka(ws.features, ws.mask).scores.max(dim=1).values
            for kind, ws in ((k, valid.select(k)) for k in kinds)
        }
        pure_maxima = {
            kind: pure(ws.features, ws.mask).scores.max(dim=1).values
            for kind, ws in ((k, valid.select(k)) for k in kinds)
        }
    comparisons = [
        *((k, (k,), (k,)) for k in TRAINED_NOISE),
        ("noise", TRAINED_NOISE, TRAINED_NOISE),
        *((k, (k,), TRAINED_NOISE) for k in HELD_OUT_NOISE),
    ]
    linear: dict[tuple[str, ...], dict[str, Tensor]] = {}
    for trained_on in dict.fromkeys(trained for _, _, trained in comparisons):
        linear[trained_on] = dict(
            zip(
                kinds,
                baselines.linear_gate_scores(
                    train.select("real"), train.select(trained_on), *(valid.select(k) for k in kinds), seed=seed
                ),
            )
        )
    for name, scored, trained_on in comparisons:
        noise = torch.cat([maxima[k] for k in scored])
        result["auroc"][name] = baselines.auroc(maxima["real"], noise)
        result["baselines"]["spec_untrained_vitakka"][name] = baselines.auroc(
            pure_maxima["real"], torch.cat([pure_maxima[k] for k in scored])
        )
        result["baselines"]["linear_classifier"][name] = baselines.auroc(
            linear[trained_on]["real"], torch.cat([linear[trained_on][k] for k in scored])
        )
    for kind, values in maxima.items():
        result["open_rate"][kind] = float((values > theta).float().mean())
        result.setdefault("max_score_median", {})[kind] = float(values.median())
    result["max_scores"] = {kind: [round(float(v), 5) for v in values] for kind, values in maxima.items()}
    result["per_window"] = {
        "kind": [k for k in kinds for _ in range(len(maxima[k]))],
        "synset": [s for k in kinds for s in valid.select(k).synsets],
        "samadhi": torch.cat([maxima[k] for k in kinds]).tolist(),
        "spec_untrained_vitakka": torch.cat([pure_maxima[k] for k in kinds]).tolist(),
        "linear_classifier": torch.cat([linear[TRAINED_NOISE][k] for k in kinds]).tolist(),
    }
    return result


def _summary(values: Tensor) -> dict:
    v = values.double()
    return {
        "median": float(v.median()),
        "q1": float(v.quantile(0.25)),
        "q3": float(v.quantile(0.75)),
        "mean": float(v.mean()),
        "max": float(v.max()),
        "min": float(v.min()),
    }


def _solve(model: SamadhiModel, x: Tensor, mask: Tensor, solver: str) -> tuple[Inference, float]:
    start = time.perf_counter()
    result = model.infer(x, mask, solver=solver)
    return result, time.perf_counter() - start


def _median_trace(trace: Tensor) -> list[float | None]:
    """Median residual over the windows still running at each step ([steps, B] with NaN once stopped)."""
    out = []
    for row in trace:
        alive = row[~row.isnan()]
        out.append(float(alive.median()) if len(alive) else None)
    return out


def _steps_by_beta(model: SamadhiModel, s0: Tensor, winner: Tensor, probs: Tensor) -> tuple[list[dict], dict]:
    """Median steps to eps of the trained refiners at every update rate b of `BETAS` (and the run's own),
    beside the same count for untrained refiners (fresh initialisation, same Lipschitz clip): the null of the
    steps claim, which shows how much of it the design (beta, the contraction bound) already decides.
    Also the per-window counts of both at the run's beta, for the paired test."""
    with torch.random.fork_rng():
        torch.manual_seed(NULL_SEED)
        untrained = Vicara(model.config)
    rows, at_beta = [], {}
    for beta in sorted({*BETAS, model.config.beta}):
        row: dict = {"beta": beta}
        for name, source in (("", model.vicara), ("untrained_", untrained)):
            vicara = Vicara(replace(model.config, beta=beta))
            vicara.load_state_dict(source.state_dict())
            with torch.no_grad():
                _, stats = vicara.refine(s0, winner, probs, "hard", "plain", max_steps=BETA_MAX_STEPS)
            row[f"{name}median_steps"] = float(stats.iterations.double().median())
            row[f"{name}converged_within_t_max"] = float(
                (stats.converged & (stats.iterations <= model.config.t_max)).float().mean()
            )
            if beta == model.config.beta:
                at_beta[f"{name}steps"] = stats.iterations.tolist()
        rows.append(row)
    return rows, at_beta


def _refinement(model: SamadhiModel, real: WindowSet) -> tuple[dict, Inference]:
    """Steps, solvers and the beta sweep on the gate-open windows; `per_window` holds, per open window, its
    synset, plain and Anderson steps (capped at t_max), and trained and untrained steps at the run's beta
    (capped at `BETA_MAX_STEPS`), the inputs of the paired claims."""
    plain, plain_s = _solve(model, real.features, real.mask, "plain")
    accel, accel_s = _solve(model, real.features, real.mask, "anderson")
    open_ = plain.vitakka.gate
    if not open_.any():
        return {"n_open": 0}, plain
    steps, accel_steps = plain.stats.iterations[open_], accel.stats.iterations[open_]
    cfg = model.config
    rate = 1 - cfg.beta + cfg.beta * cfg.refiner_lipschitz
    by_beta, at_beta = _steps_by_beta(
        model, plain.vitakka.s0[open_], plain.vitakka.winner[open_], plain.vitakka.weights[open_]
    )
    return {
        "n_open": int(open_.sum()),
        "eps": cfg.eps,
        "t_max": cfg.t_max,
        "steps": _summary(steps),
        "converged": float(plain.stats.converged[open_].float().mean()),
        "steps_histogram": torch.bincount(steps, minlength=cfg.t_max + 1).tolist(),
        "within_claim": float(((steps >= STEP_CLAIM[0]) & (steps <= STEP_CLAIM[1])).float().mean()),
        "contraction_rate_bound": rate,
        "initial_residual": _summary(plain.stats.trace[0, open_]),
        "median_trace": _median_trace(plain.stats.trace[:, open_]),
        "steps_by_beta": by_beta,
        "per_window": {
            "synset": [real.synsets[i] for i in open_.nonzero().flatten().tolist()],
            "plain_steps": steps.tolist(),
            "anderson_steps": accel_steps.tolist(),
            "steps": at_beta["steps"],
            "untrained_steps": at_beta["untrained_steps"],
        },
        "anderson": {
            "steps": _summary(accel_steps),
            "steps_histogram": torch.bincount(accel_steps, minlength=cfg.t_max + 1).tolist(),
            "converged": float(accel.stats.converged[open_].float().mean()),
            "evaluations_ratio_plain_over_anderson": float(steps.sum() / accel_steps.sum()),
            "max_state_difference": float((plain.s_final - accel.s_final)[open_].norm(dim=1).max()),
            "median_trace": _median_trace(accel.stats.trace[:, open_]),
            "seconds": accel_s,
            "plain_seconds": plain_s,
        },
    }, plain


def _stability(model: SamadhiModel, real: WindowSet, base: Inference, seed: int) -> list[dict]:
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for sigma in PERTURBATIONS:
        noisy = real.features + sigma * torch.randn(real.features.shape, generator=gen) * real.mask[..., None]
        moved = model.infer(noisy, real.mask)
        same = base.vitakka.gate & moved.vitakka.gate & (base.vitakka.winner == moved.vitakka.winner)
        rel = lambda a, b: ((a - b).norm(dim=1) / b.norm(dim=1).clamp_min(1e-12))[same]  # noqa: E731
        rows.append(
            {
                "sigma": sigma,
                "winner_flip_rate": float((base.vitakka.winner != moved.vitakka.winner).float().mean()),
                "gate_flip_rate": float((base.vitakka.gate != moved.vitakka.gate).float().mean()),
                "n_same_winner_open": int(same.sum()),
                "s_final_relative_change": _summary(rel(moved.s_final, base.s_final)) if same.any() else None,
                "s0_relative_change": _summary(rel(moved.vitakka.s0, base.vitakka.s0)) if same.any() else None,
                "per_window": {
                    "synset": [real.synsets[i] for i in same.nonzero().flatten().tolist()],
                    "s_final": rel(moved.s_final, base.s_final).tolist(),
                    "s0": rel(moved.vitakka.s0, base.vitakka.s0).tolist(),
                },
            }
        )
    return rows


def _retention(model: SamadhiModel, data: ConceptData, base: Inference, seed: int) -> dict:
    real = data.valid.select("real")
    open_ = base.vitakka.gate
    s0, s_final = base.vitakka.s0[open_][:MI_BATCH], base.s_final[open_][:MI_BATCH]
    winners = base.vitakka.winner[open_].bincount(minlength=model.config.n_probes).double()
    p = winners[winners > 0] / winners.sum()
    train = data.train.select("real")
    train_out = model.infer(train.features, train.mask)
    keep = train_out.vitakka.gate

    def probe(states_train: Tensor, states_valid: Tensor) -> np.ndarray:
        """Whether a logistic-regression probe fitted on the open training windows is right on each open window."""
        classifier = LogisticRegression(max_iter=baselines.MAX_ITER, random_state=seed)
        classifier.fit(states_train[keep].numpy(), train.labels[keep].numpy())
        return classifier.predict(states_valid[open_].numpy()) == real.labels[open_].numpy()

    with torch.no_grad():
        mi = mutual_information(model.critic, s_final, s0).item() if len(s0) > 1 else None
    on_final, on_s0 = probe(train_out.s_final, base.s_final), probe(train_out.vitakka.s0, base.vitakka.s0)
    return {
        "mi_nats": mi,
        "mi_pairs": len(s0),
        "log_pairs": float(np.log(max(len(s0), 1))),
        "winner_entropy_nats": float(-(p * p.log()).sum()),
        "s_final_over_s0_norm": _summary((s_final.norm(dim=1) / s0.norm(dim=1).clamp_min(1e-12))),
        "concept_probe_on_s_final": float(on_final.mean()),
        "concept_probe_on_s0": float(on_s0.mean()),
        "per_window": {
            "synset": [real.synsets[i] for i in open_.nonzero().flatten().tolist()],
            "s_final_correct": on_final.tolist(),
            "s0_correct": on_s0.tolist(),
        },
    }


def evaluate_samadhi(
    models: dict[str, SamadhiModel],
    primary: str,
    data: ConceptData,
    seed: int,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Every figure of the module docstring: "concepts" and "gate" of the `primary` variant's Vitakka (shared by
    the variants), and "variants" (refinement, and when a window opened the gate, stability and retention).
    The caller seeds torch (`seed`) first."""
    result: dict = {
        "concepts": _concepts(models[primary], data, seed),
        "gate": _gate(models[primary], data, seed),
        "variants": {},
    }
    real = data.valid.select("real")
    for variant, model in models.items():
        log(f"evaluating {variant}")
        refinement, base_inference = _refinement(model, real)
        entry = {"refinement": refinement}
        if refinement.get("n_open"):
            entry["stability"] = _stability(model, real, base_inference, seed)
            entry["retention"] = _retention(model, data, base_inference, seed)
        result["variants"][variant] = entry
    return result
