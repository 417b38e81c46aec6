"""The claims of spec 000 measured on a model's own inference: one `evidence.Claim` per row.

Every comparison row is paired: both arms are scored on the same held-out units (windows for the layer
clock, passages for the token clock), and the claim's value is its margin over the strongest of its
nulls, so that "beats every null" is one number:

    value     min over nulls of mean(model - null) (or null - model where lower is better): > 0 is
              evidence;
    interval  paired bootstrap of that margin over the units (`evidence.paired_bootstrap_interval`,
              all arms resampled with the same units; it carries the uncertainty of which null is
              the strongest). A minimum over nulls, and the ensemble distances (angles and norms of
              resampled sums), are not linear in the units: their percentile interval can be biased
              and may not contain the value (seen on the mean-direction row);
    nulls     one per null arm, as the paired test's null (difference 0): a sign-flip test over the
              units (`evidence.sign_flip_p`) where the statistic is a mean over units; a label-swap
              permutation (model and null swapped at a random half of the windows) where it is an
              ensemble statistic that is not a mean over units (dispersion, pairwise angles); a
              shuffle of the token order (at least 200 per passage) for the token-clock order claims.

Why these tests are fair: held-out windows are distinct texts, so a window is the independent unit
(no clusters); tokens nest in passages, so the token clock resamples and flips whole passages. The
sign-flip test assumes the paired differences are symmetric about 0 under the null, the label swap
that the two models' simulated trajectories from one start are exchangeable, the token shuffle that
the order carries nothing. `evidence.decide` decides every row of a document together (Holm over the
findings of both models).

Claims that cannot be operationalised on a model's own inference are listed in `NOT_OPERATIONALISED`
with the reason.
"""

from collections.abc import Sequence

import numpy as np

from semphys.evidence import Claim, Null, draws_interval, paired_bootstrap_interval, sign_flip_p
from semphys.evidence.stats import Better

R_SQUARED_MIN = 0.9
"""Linearity of the spread in T (spec 000 §4.3 asks for "linear"; 0.9 is our threshold, fixed before measuring)."""
BOOTSTRAP_DRAWS = 2000
"""Paired bootstrap draws of a margin that is a mean over units."""
SIGN_FLIPS = 9999
"""Random sign flips where there are more than `evidence.stats.EXACT_SIGN_FLIP_MAX` units."""

NOT_OPERATIONALISED = [
    {
        "claim": "4.1 context mass m as 'token density'",
        "reason": "the forward pass exposes no quantity that is a mass: the layer and token clocks are both "
        "fitted overdamped (m -> 0), and an underdamped fit would need velocities the states do not carry",
    },
    {
        "claim": "4.4 ZERO-FLUSH (resetting the state between tokens)",
        "reason": "a transformer recomputes every layer's state from the tokens at each step; there is no "
        "carried particle whose reset could be observed or withheld",
    },
    {
        "claim": "4.4 melt / guide / crystallise at each token",
        "reason": "inside one token the only clock is the layer index, measured by the layer-time rows; an "
        "annealing schedule in T has no counterpart in a forward pass at a fixed temperature",
    },
]


def paired_margin(
    claim: str,
    key: str,
    model: str | None,
    values: Sequence[float],
    nulls: dict[str, Sequence[float]],
    better: Better,
    unit: str,
    detail: str = "",
    seed: int = 0,
    kind: str = "finding",
) -> Claim:
    """A claim that `values` [n] beat every null arm [n] (the same n units), by a mean paired difference.

    The value is the margin over the strongest null (higher is better after orienting by `better`);
    each null enters as a paired sign-flip test of its difference (median 0).
    """
    a = np.asarray(values, dtype=np.float64)
    sign = 1.0 if better == "higher" else -1.0
    differences = np.stack([sign * (a - np.asarray(null, dtype=np.float64)) for null in nulls.values()], axis=1)
    margin = float(differences.mean(axis=0).min())
    interval = paired_bootstrap_interval(
        differences,
        np.zeros_like(differences),
        BOOTSTRAP_DRAWS,
        np.random.default_rng(seed),
        statistic=lambda d: float(d.mean(axis=0).min()),
    )
    tests = []
    for k, name in enumerate(nulls):
        p, floor = sign_flip_p(differences[:, k], "higher", SIGN_FLIPS, np.random.default_rng(seed + k))
        tests.append(Null.exact(f"{name} (paired sign flip over {unit})", p, floor, n=len(a)))
    means = "; ".join(f"{name} {np.mean(null):.4g}" for name, null in nulls.items())
    return Claim(
        claim,
        kind,
        value=margin,
        better="higher",
        interval=interval,
        interval_method=f"paired bootstrap over {len(a)} {unit} ({BOOTSTRAP_DRAWS} draws) of the margin over "
        "the strongest null",
        nulls=tuple(tests),
        model=model,
        key=key,
        detail=f"model {np.mean(a):.4g}; nulls: {means}" + (f"; {detail}" if detail else ""),
    )


def _rank_note(fit: dict, name: str) -> str:
    edge = " (on the grid's edge: a larger rank might fit better)" if fit.get("rank_on_edge") else ""
    return f"{name} rank {fit['rank']} of {fit.get('ranks')}{edge}"


def _ensemble_claim(section: dict, statistic: str, text: str, model: str | None) -> Claim:
    test = section["ensemble_test"]
    differences = test["difference"][statistic]
    value = min(differences.values())
    nulls = tuple(
        Null.from_draws(
            f"{name} (label swap over windows)", np.array(draws), differences[name], "higher", n=section["n_held_out"]
        )
        for name, draws in test["permutation_draws"][statistic].items()
    )
    distances = "; ".join(f"{name} {v:.4g}" for name, v in test["nulls"][statistic].items())
    return Claim(
        text,
        "finding",
        value=value,
        better="higher",
        **draws_interval(
            np.array(test["margin_draws"][statistic]),
            f"paired bootstrap over {section['n_held_out']} held-out windows "
            f"({len(test['margin_draws'][statistic])} draws) of the margin over the strongest null",
        ),
        nulls=nulls,
        model=model,
        key=f"ensemble_{statistic}",
        detail=f"distance of (b) {test['model'][statistic]:.4g}; nulls: {distances}; real split-half floor "
        f"{section['ensemble_floor'][statistic]:.3g}",
    )


def layer_claims(section: dict, model: str | None = None) -> list[Claim]:
    """The layer clock's claims of one model (undecided: `evidence.decide` runs over the whole document)."""
    held, fits = section["held_out"], section["fits"]
    ll = {name: held[name]["per_window_log_likelihood"] for name in held if held[name]["per_window_log_likelihood"]}
    angle = {name: held[name]["per_window_angle"] for name in held}
    fit = fits["langevin"]
    facts = (
        f"{_rank_note(fit, '(b)')}; mean T/eta {np.mean(fit['temperature']):.3g}; confining eigenvalue share "
        f"{np.mean(fit['confining_fraction']):.2f}"
    )
    windows = "held-out windows"
    claims = [
        paired_margin(
            "4.2 overdamped sphere Langevin (b) beats the drift nulls (a random walk with the same step sizes, "
            "a constant drift per layer) on held-out increments (log-likelihood per dimension)",
            "langevin_log_likelihood",
            model,
            ll["langevin"],
            {"random walk": ll["random_walk"], "constant drift": ll["constant_drift"]},
            "higher",
            windows,
            facts,
        ),
        paired_margin(
            "(b) depends on its layer: beats one landscape for every layer (time-homogeneous fit, each layer's "
            "own T) on held-out increments (log-likelihood)",
            "layer_dependence",
            model,
            ll["langevin"],
            {"time-homogeneous (b)": ll["homogeneous"]},
            "higher",
            windows,
            f"{_rank_note(fit, '(b)')}; {_rank_note(fits['homogeneous'], 'homogeneous')}",
        ),
        paired_margin(
            "(b) one-step prediction beats standing still and a constant drift (mean angle, radians)",
            "one_step_angle",
            model,
            angle["langevin"],
            {"standing still": angle["random_walk"], "constant drift": angle["constant_drift"]},
            "lower",
            windows,
            "the random walk predicts x_{l+1} = x_l",
        ),
        _ensemble_claim(
            section,
            "dispersion_gap",
            "(b) ensembles reproduce the per-layer dispersion better than every "
            "null (random walk, constant drift, (b) without noise; gap, margin)",
            model,
        ),
        _ensemble_claim(
            section,
            "pairwise_w1",
            "(b) ensembles reproduce the pairwise-angle distribution better than every null (W1, rad, margin)",
            model,
        ),
        _ensemble_claim(
            section,
            "mean_direction_angle",
            "(b) ensembles' per-layer mean direction is closer than every null's (rad, margin)",
            model,
        ),
        paired_margin(
            "Lines-of-Thought transport (a) beats the drift nulls (log-likelihood)",
            "transport_log_likelihood",
            model,
            ll["transport"],
            {"random walk": ll["random_walk"], "constant drift": ll["constant_drift"]},
            "higher",
            windows,
            f"{_rank_note(fits['transport'], '(a)')}; the anchor model",
        ),
        paired_margin(
            "spec's Langevin (b) beats the LoT transport (a) at the same rank budget (log-likelihood)",
            "langevin_vs_transport",
            model,
            ll["langevin"],
            {"LoT transport (a)": ll["transport"]},
            "higher",
            windows,
            f"{_rank_note(fit, '(b)')}; {_rank_note(fits['transport'], '(a)')}; a gradient drift in "
            "a low-rank subspace against a general linear transport",
        ),
    ]
    kl = section.get("next_token_kl_per_window")
    if kl is not None:
        names = {
            "random walk": "random_walk",
            "constant drift": "constant_drift",
            "(b) without noise": "deterministic",
            "another window's real state": "other_window",
        }
        claims.append(
            paired_margin(
                "(b) simulated final states give the real next-token distributions better than every null (KL, nats)",
                "next_token_kl",
                model,
                kl["langevin"],
                {label: kl[name] for label, name in names.items()},
                "lower",
                "held-out windows",
                f"LoT (a) {np.mean(kl['transport']):.3g}",
            )
        )
    return claims


def _shuffle_claim(claim: str, key: str, model: str | None, test: dict, unit_detail: str, seed: int) -> Claim:
    """A token-order claim: per-passage real statistic against its mean over that passage's shuffles."""
    real, shuffled = np.asarray(test["real"]), np.asarray(test["shuffled_mean"])
    draws = np.asarray(test["null_draws"])
    value = float(np.mean(real - shuffled))
    interval = paired_bootstrap_interval(real, shuffled, BOOTSTRAP_DRAWS, np.random.default_rng(seed))
    null = Null.from_draws(
        f"token order shuffled ({test['shuffles']} per passage; blocks of {test['block']})",
        draws,
        value,
        "higher",
        n=len(real),
    )
    return Claim(
        claim,
        "finding",
        value=value,
        better="higher",
        interval=interval,
        interval_method=f"paired bootstrap over {len(real)} passages ({BOOTSTRAP_DRAWS} draws)",
        nulls=(null,),
        model=model,
        key=key,
        detail=unit_detail,
    )


def relaxation_claim(test: dict, state: str, model: str | None = None, seed: int = 0) -> Claim:
    """Spec 000 §4.2's RC relaxation from a `relaxation.relaxation_test` of real passages."""
    taus = [t for t in test["tau"] if t is not None]
    tau = (
        f"median tau {np.median(taus):.3g} tokens over the {len(taus)} passages with an accepted fit"
        if taus
        else "no passage's exp(-k/tau) fit beat flat"
    )
    return _shuffle_claim(
        f"4.2 RC relaxation in token time ({state}): the overlap decays with the lag (C(1) - mean C(k >= K/2), "
        "per passage, against the shuffled token order)",
        f"relaxation_{state}",
        model,
        test,
        f"{tau} (of {len(test['tau'])}); lags 1..{test['max_lag']}",
        seed,
    )


def fep_order_claim(test: dict, state: str, model: str | None = None, seed: int = 0) -> Claim:
    """The FEP needs temporal order, from a `prediction.order_test` of real passages."""
    return _shuffle_claim(
        f"4.2 the FEP needs temporal order: the same EMA beats it on shuffled tokens ({state})",
        f"fep_order_{state}",
        model,
        test,
        "same tau, same passages",
        seed,
    )


def token_claims(section: dict, model: str | None = None, seed: int = 0) -> list[Claim]:
    """The token clock's claims of one causal model (undecided)."""
    claims = []
    for state in ("sqrt_p", "residual"):
        test = section["relaxation_test"][state]
        if test is not None:
            claims.append(relaxation_claim(test, state, model, seed))
    for state in ("sqrt_p", "residual"):
        fep = section["fep"][state]
        per = fep["per_passage"]
        claims.append(
            paired_margin(
                f"4.2 the FEP (EMA) predicts x_(t+1) better than raw x_t and the causal running mean ({state}; cosine, "
                "tau chosen on the other half of the passages)",
                f"fep_{state}",
                model,
                per["ema"],
                {"raw": per["raw"], "running mean": per["running_mean"]},
                "higher",
                "passages",
                f"taus chosen {fep['taus_chosen']}",
                seed,
            )
        )
        claims.append(fep_order_claim(fep["order_test"], state, model, seed))
    for state in ("sqrt_p", "residual"):
        probe = section["temperature_probe"][state]
        claims.append(
            Claim(
                f"4.3 temperature probe ({state}): the spread grows with T (slope, against shuffled temperature labels)",
                "finding",
                value=probe["slope"],
                better="higher",
                **draws_interval(np.array(probe["slope_draws"]), "bootstrap of the samples within each temperature"),
                nulls=(Null.from_draws("shuffled labels", np.array(probe["null_slopes"]), probe["slope"], "higher"),),
                model=model,
                key=f"probe_slope_{state}",
                detail=f"spread {np.round(probe['spread'], 4).tolist()}",
            )
        )
        claims.append(
            Claim(
                f"4.3 temperature probe ({state}): the spread is linear in T (R^2 of the line)",
                "finding",
                value=probe["r_squared"],
                better="higher",
                threshold=R_SQUARED_MIN,
                threshold_source="semphys",
                **draws_interval(
                    np.array(probe["r_squared_draws"]), "bootstrap of the samples within each temperature"
                ),
                nulls=(
                    Null.from_draws("shuffled labels", np.array(probe["null_r_squared"]), probe["r_squared"], "higher"),
                ),
                model=model,
                key=f"probe_linear_{state}",
                detail="R^2 through a handful of temperatures is high by chance one time in twenty: the shuffled labels "
                "say how often",
            )
        )
        claims.append(
            Claim(
                f"4.3 Hessians inferred at different T agree ({state}; relative spread, against split halves within one T)",
                "exploratory",
                value=probe["hessian_disagreement"],
                better="lower",
                nulls=(
                    Null.from_draws(
                        "split halves within one T",
                        np.array(probe["split_half_draws"]),
                        probe["hessian_disagreement"],
                        "lower",
                    ),
                ),
                model=model,
                key=f"probe_hessian_{state}",
                detail="an agreement (equivalence) claim without a fair null here, and H_T = T Cov_T^-1 is the law's "
                "Hessian only where the spread is linear in T: reported, not decided",
            )
        )
    lens = section.get("lens_switching")
    if lens is not None:
        for layer in lens["layers"]:
            claims.append(
                paired_margin(
                    f"4.5 lens switching changes the reading: the logit lens at layer {layer} agrees with the x^2 read-out "
                    "less often than two x^2 read-outs agree (P[same token], per passage)",
                    f"lens_{layer}",
                    model,
                    lens["per_passage_lens_agreement"][str(layer)],
                    {"x^2 read-out against itself": lens["per_passage_self_agreement"]},
                    "lower",
                    "passages",
                    f"KL(final || lens) {lens['kl_final_to_lens'][str(layer)]:.3g} nats; argmax left out "
                    "(max p >= sum p^2: true by construction)",
                    seed,
                )
            )
    return claims
