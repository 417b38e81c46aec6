"""The claims of a multi-seed CVFP comparison (compare.json `claims`), paired by seed and decided together.

Each seed trains CVFP and its GRU and transformer baselines on the same tokens (initialisation and
batches from the seed); the comparison is seed by seed. Value: the mean over seeds of (CVFP - baseline)
validation perplexity, interval: a paired bootstrap over seeds, null: an exact sign-flip test of the
per-seed differences (`evidence.sign_flip_p`), whose p cannot go below 1/2^n for n seeds; after Holm
over m findings a row can hold only when m / 2^n <= 0.05 (`seed_floor` states it).

    findings   CVFP (predictive Phase 1) has lower validation perplexity than the GRU, the transformer
               and the bigram
    checks     no seed's model collapsed (spec 004's diagnostics: identity_cos below 0.9 and
               token_variance_share above 0.05 on every seed); determinism, stated as what it is: the
               same seed's repeat reproduces its perplexity, and two different seeds do not (so the
               first check is not trivially true)
"""

from collections.abc import Sequence

import numpy as np

from semphys.cvfp.diagnostics import IDENTITY_COLLAPSE, TOKEN_COLLAPSE
from semphys.evidence import Claim, Null, decide, paired_bootstrap_interval, sign_flip_p

BOOTSTRAP_DRAWS = 2000
REPEAT_TOLERANCE = 1e-9
"""Relative perplexity difference below which two runs count as the same (float64 sums of the same float32
numbers: a deterministic run repeats exactly)."""

BASELINES: tuple[tuple[str, str], ...] = (
    ("gru", "the GRU at equal tokens"),
    ("transformer", "the transformer at equal tokens"),
    ("bigram", "the bigram (counts over the whole training split)"),
)


def paired_claim(cvfp: np.ndarray, other: np.ndarray, name: str, label: str) -> Claim:
    """CVFP beats `label` on validation perplexity, paired by seed (see the module docstring)."""
    differences = cvfp - other
    p, floor = sign_flip_p(differences, "lower")
    low, high = paired_bootstrap_interval(cvfp, other, BOOTSTRAP_DRAWS, np.random.default_rng(0))
    n = len(cvfp)
    return Claim(
        f"CVFP (predictive Phase 1) has lower validation perplexity than {label}",
        "finding",
        float(differences.mean()),
        better="lower",
        interval=(low, high),
        interval_method=f"paired bootstrap over {n} seeds ({BOOTSTRAP_DRAWS} draws)",
        nulls=(Null.exact(f"sign flip over {n} seeds (exact, floor 1/2^{n})", p, floor, n=n),),
        key=f"cvfp_vs_{name}",
        detail=f"mean over seeds of CVFP minus {name} perplexity; CVFP {' / '.join(f'{v:.1f}' for v in cvfp)}, "
        f"{name} {' / '.join(f'{v:.1f}' for v in other)}",
    )


def cvfp_claims(runs: Sequence[dict], repeat: dict | None) -> list[Claim]:
    """Every claim of the module docstring for the per-seed eval figures `runs` and the repeated seed's run."""
    cvfp = np.array([r["val_ppl"] for r in runs])
    claims = [
        paired_claim(cvfp, np.array([r["baselines"][name] for r in runs]), name, label)
        for name, label in BASELINES
        if all(name in r["baselines"] for r in runs)
    ]
    claims += [
        Claim(
            f"no seed's model collapsed to the identity map (identity_cos < {IDENTITY_COLLAPSE})",
            "check",
            float(max(r["identity_cos"] for r in runs)),
            better="lower",
            threshold=IDENTITY_COLLAPSE,
            threshold_source="semphys",
            key="identity_cos",
            detail=f"largest over {len(runs)} seeds (spec 004's collapsed model: 0.974)",
        ),
        Claim(
            f"every seed's outputs depend on the token (token_variance_share > {TOKEN_COLLAPSE})",
            "check",
            float(min(r["token_variance_share"] for r in runs)),
            threshold=TOKEN_COLLAPSE,
            threshold_source="semphys",
            key="token_variance_share",
            detail=f"smallest over {len(runs)} seeds",
        ),
    ]
    if repeat is not None:
        first = next(r for r in runs if r["seed"] == repeat["seed"])
        others = [r for r in runs if r["seed"] != repeat["seed"]]
        relative = abs(repeat["val_ppl"] - first["val_ppl"]) / first["val_ppl"]
        claims.append(
            Claim(
                f"deterministic: seed {repeat['seed']} run again gives the same validation perplexity",
                "check",
                float(relative),
                better="lower",
                threshold=REPEAT_TOLERANCE,
                threshold_source="semphys",
                key="repeat_same",
                detail=f"relative difference of the same seed's repeat ({first['val_ppl']:.6g} and {repeat['val_ppl']:.6g}); "
                "this says the run is reproducible, not that its result is robust (see the next row and the "
                "spread over seeds)",
            )
        )
        if others:
            spread = min(abs(r["val_ppl"] - first["val_ppl"]) / first["val_ppl"] for r in others)
            claims.append(
                Claim(
                    "the seed matters: different seeds give different validation perplexities",
                    "check",
                    float(spread),
                    threshold=REPEAT_TOLERANCE,
                    threshold_source="semphys",
                    key="seeds_differ",
                    detail=f"smallest relative difference between seed {repeat['seed']} and another seed (of "
                    f"{len(others)}): a repeat that matches is then not trivially true",
                )
            )
    return decide(claims)
