"""The claims of a routing comparison (results.json `claims`), each paired by seed and decided together.

Every variant of a seed trains on the same tokens from the same initialisation seed, so two variants
are compared seed by seed: the value is the mean over seeds of (a - b), its interval a bootstrap over
seeds, and its null an exact sign-flip test of the per-seed differences (`evidence.sign_flip_p`):
with n seeds every one of the 2^n sign patterns is enumerated, so no p can go below 1/2^n (1/8 for
3 seeds, 1/32 for 5, 1/256 for 8). After Holm over m findings a row can hold only when
m / 2^n <= 0.05; `seed_floor` states that bound in the document.

    perplexity     Omega against softmax top-k (semphys's comparison; spec 003 states no test), the dense FFN, and softmax reading the same
                   origin (what the Omega form adds); the origin's use (Omega with it against without, the
                   standard router with it against without) and its link to the text (against Omega on
                   origins shuffled between documents)
    routing        MI(origin; first-choice expert) of Omega above its null (origins permuted between whole
                   documents, so the clustering of tokens within a document is kept), pooled over seeds;
                   Omega's MI against softmax's, paired by seed
    sensitivity    spec 003 §4.3's weak stimulus: one changed token changes more of Omega's routing than of
                   softmax's, paired by seed
    checks         a router that reads no origin does not depend on it (origin sensitivity 0)
    exploratory    equal-active-parameter Omega (`omega_matched`) and the sin term (`omega_no_sin`)

A row whose variants are not in the comparison is left out.
"""

from collections.abc import Sequence

import numpy as np

from semphys.evidence import Claim, Null, decide, paired_bootstrap_interval, sign_flip_p

BOOTSTRAP_DRAWS = 2000
SEED = 0

PAIRED: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "omega_vs_softmax",
        "omega",
        "softmax",
        "val_ppl",
        "lower",
        "finding",
        "Omega router: lower validation perplexity than softmax top-k routing at equal tokens (semphys's test)",
    ),
    (
        "omega_vs_dense",
        "omega",
        "dense",
        "val_ppl",
        "lower",
        "finding",
        "Omega MoE: lower validation perplexity than the dense FFN of the same active width",
    ),
    (
        "omega_vs_softmax_origin",
        "omega",
        "softmax_origin",
        "val_ppl",
        "lower",
        "finding",
        "the Omega form adds to the origin: lower perplexity than a softmax router reading the same origin",
    ),
    (
        "origin_useful_omega",
        "omega",
        "omega_no_origin",
        "val_ppl",
        "lower",
        "finding",
        "the origin is useful information: Omega with it has lower perplexity than without (phi = 1)",
    ),
    (
        "origin_useful_softmax",
        "softmax_origin",
        "softmax",
        "val_ppl",
        "lower",
        "finding",
        "the origin is useful information: a softmax router with it has lower perplexity than without",
    ),
    (
        "origin_link",
        "omega",
        "omega_shuffled",
        "val_ppl",
        "lower",
        "finding",
        "the origin's link to the text matters: Omega has lower perplexity than on origins shuffled between documents",
    ),
    (
        "mi_omega_vs_softmax",
        "omega",
        "softmax",
        "mi_bits",
        "higher",
        "finding",
        "Omega's first-choice expert carries more about the origin than softmax's (MI bits, mean over layers)",
    ),
    (
        "sensitivity_token",
        "omega",
        "softmax",
        "sensitivity_token_at",
        "higher",
        "finding",
        "weak stimulus (spec 003 §4.3): one changed token changes more of Omega's routing than of softmax's",
    ),
    (
        "omega_matched_vs_softmax_origin",
        "omega_matched",
        "softmax_origin",
        "val_ppl",
        "lower",
        "exploratory",
        "Omega at equal active parameters: lower perplexity than softmax reading the same origin",
    ),
    (
        "sin_term",
        "omega",
        "omega_no_sin",
        "val_ppl",
        "lower",
        "exploratory",
        "the sin term helps: Omega has lower perplexity than without h + sin(W_res h)",
    ),
)
"""(key, variant a, variant b, figure, better, kind, claim): a claim that a beats b on the figure, by seed."""

MI_NULL_VARIANTS: tuple[tuple[str, str], ...] = (
    ("omega", "finding"),
    ("softmax_origin", "exploratory"),
    ("softmax", "exploratory"),
)
"""Variants whose MI(origin; expert) is set against the document-level permutation null, with their kind."""

BLIND_ROUTERS: tuple[str, ...] = ("softmax", "omega_no_origin")
"""Routed variants that read no origin: their origin sensitivity is 0 by construction (a check)."""
BLIND_TOLERANCE = 1e-12


def _by_seed(runs: Sequence[dict], variant: str, figure: str) -> dict[int, float]:
    return {r["seed"]: float(r[figure]) for r in runs if r["variant"] == variant and r.get(figure) is not None}


def paired_claim(
    runs: Sequence[dict], key: str, a: str, b: str, figure: str, better: str, kind: str, text: str
) -> Claim | None:
    """`text` as a claim that variant `a` beats `b` on `figure`, paired by seed; None without a common seed."""
    first, second = _by_seed(runs, a, figure), _by_seed(runs, b, figure)
    seeds = sorted(set(first) & set(second))
    if not seeds:
        return None
    x, y = np.array([first[s] for s in seeds]), np.array([second[s] for s in seeds])
    differences = x - y
    p, floor = sign_flip_p(differences, better)
    rng = np.random.default_rng(SEED)
    low, high = paired_bootstrap_interval(x, y, BOOTSTRAP_DRAWS, rng)
    return Claim(
        text,
        kind,
        float(differences.mean()),
        better=better,
        interval=(low, high),
        interval_method=f"paired bootstrap over {len(seeds)} seeds ({BOOTSTRAP_DRAWS} draws)",
        nulls=(
            Null.exact(f"sign flip over {len(seeds)} seeds (exact, floor 1/2^{len(seeds)})", p, floor, n=len(seeds)),
        ),
        key=key,
        detail=f"mean over seeds of {a} minus {b} ({figure}); {a} "
        f"{' / '.join(f'{v:.4g}' for v in x)}, {b} {' / '.join(f'{v:.4g}' for v in y)}",
    )


def mi_null_claim(runs: Sequence[dict], variant: str, kind: str) -> Claim | None:
    """MI(origin; expert) of `variant`, mean over seeds, against the same mean under the document-level null.

    Null draw j is the mean over seeds of each run's draw j (independent permutations per seed)."""
    mine = [r for r in runs if r["variant"] == variant and r.get("mi_null_draws")]
    if not mine:
        return None
    values = np.array([r["mi_bits"] for r in mine])
    n_draws = min(len(r["mi_null_draws"]) for r in mine)
    null = np.mean([r["mi_null_draws"][:n_draws] for r in mine], axis=0)
    value = float(values.mean())
    rng = np.random.default_rng(SEED)
    if len(values) > 1:
        boot = values[rng.integers(len(values), size=(BOOTSTRAP_DRAWS, len(values)))].mean(axis=1)
        interval, method = (
            (float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))),
            f"bootstrap over {len(values)} seeds ({BOOTSTRAP_DRAWS} draws)",
        )
    else:
        interval, method = None, None
    return Claim(
        f"{variant}'s first-choice expert carries information about the origin beyond its document-level "
        "null (MI bits, mean over layers and seeds)",
        kind,
        value,
        interval=interval,
        interval_method=method,
        nulls=(Null.from_draws("origins permuted between whole documents", null, value, "higher", n=len(values)),),
        key=f"mi_null_{variant}",
        detail=f"{len(values)} seeds; the null keeps each document's tokens together (plug-in bias included)",
    )


def blind_claim(runs: Sequence[dict], variant: str) -> Claim | None:
    """A router that reads no origin: its routing does not change when the origin does (a check)."""
    values = [
        r["sensitivity_origin"] for r in runs if r["variant"] == variant and r.get("sensitivity_origin") is not None
    ]
    if not values:
        return None
    return Claim(
        f"{variant} reads no origin: changing every origin label changes none of its routing",
        "check",
        float(max(values)),
        better="lower",
        threshold=BLIND_TOLERANCE,
        threshold_source="semphys",
        key=f"blind_{variant}",
        detail=f"largest share of changed top-k sets over {len(values)} seeds",
    )


def routing_claims(runs: Sequence[dict]) -> list[Claim]:
    """Every claim of the module docstring for the comparison's runs, decided together."""
    claims = [paired_claim(runs, *row) for row in PAIRED]
    claims += [mi_null_claim(runs, variant, kind) for variant, kind in MI_NULL_VARIANTS]
    claims += [blind_claim(runs, variant) for variant in BLIND_ROUTERS]
    return decide([c for c in claims if c is not None])
