"""The one rule of evidence: every claim semphys reports is a `Claim`, decided by `decide`.

A claim holds only when the spec's threshold passes (where the spec gives one), every fair null is
beaten after multiplicity adjustment (Holm over a document's findings; max-over-layers where a
landmark is picked across layers), and its interval clears every null's median. See
`semphys.evidence.claim` for the rule and `semphys.evidence.stats` for the statistics.

    >>> from semphys.evidence import Claim, Null, decide
    >>> row = Claim("the senses separate", "finding", value=0.4, interval=(0.3, 0.5),
    ...             interval_method="bootstrap over words", nulls=(Null.exact("shuffle", 0.001, 0.0005, p50=0.1),))
    >>> decide([row])[0].holds
    True
"""

from semphys.evidence.claim import ALPHA, KINDS, Claim, Null, decide, draws_interval, seed_floor
from semphys.evidence.render import check_claims, check_document, claim_table, findings_at_a_glance, markdown_table
from semphys.evidence.stats import (
    bootstrap_interval,
    dkw_epsilon,
    holm,
    maxt_adjusted,
    mcnemar_p,
    nested_bootstrap,
    p_floor,
    paired_bootstrap_interval,
    percentile_interval,
    permutation_p,
    permute_by_document,
    rank_auroc,
    ratio_bootstrap_interval,
    resample_clusters,
    sign_flip_p,
    swapped_auroc_null,
    wilson_interval,
)

__all__ = [
    "ALPHA",
    "KINDS",
    "Claim",
    "Null",
    "decide",
    "draws_interval",
    "seed_floor",
    "check_claims",
    "check_document",
    "claim_table",
    "findings_at_a_glance",
    "markdown_table",
    "bootstrap_interval",
    "dkw_epsilon",
    "holm",
    "maxt_adjusted",
    "mcnemar_p",
    "p_floor",
    "paired_bootstrap_interval",
    "percentile_interval",
    "permutation_p",
    "ratio_bootstrap_interval",
    "resample_clusters",
    "sign_flip_p",
    "wilson_interval",
    "nested_bootstrap",
    "permute_by_document",
    "rank_auroc",
    "swapped_auroc_null",
]
