"""semphys.routing: spec 003's Omega router against standard mixture-of-experts routing, on real text.

    router    OmegaRouter (the spec's pseudocode + a projection to experts), SoftmaxRouter
    moe       MoEFFN: top-k, capacity, dropped tokens, load-balancing and z losses
    variants  the compared variants as data (dense, routers, ablations; no torch)
    moe_lm    RoutingLM: the textlm transformer body with each variant's FFN
    metrics   load CV and entropy, dropped share, MI(origin; expert) with its permutation null,
              weak-stimulus sensitivity
    claims    the comparison's claims, each paired by seed
    compare   the comparison's config; one (variant, seed) trained and measured; mean and spread

The command, its results.json, report and figures are `semphys.experiments.routing`.
Imports `semphys.textlm` (and `semphys.data` through it) and the ground floor, never another subsystem.
"""

from semphys.routing.claims import routing_claims
from semphys.routing.compare import CompareConfig, quick_compare, summarise, train_and_measure
from semphys.routing.metrics import mutual_information, sensitivity
from semphys.routing.moe import MoEConfig, MoEFFN
from semphys.routing.moe_lm import RoutingLM, RoutingLMConfig
from semphys.routing.router import OmegaRouter, SoftmaxRouter
from semphys.routing.variants import VARIANTS

__all__ = [
    "VARIANTS",
    "CompareConfig",
    "MoEConfig",
    "MoEFFN",
    "OmegaRouter",
    "RoutingLM",
    "RoutingLMConfig",
    "SoftmaxRouter",
    "mutual_information",
    "quick_compare",
    "routing_claims",
    "sensitivity",
    "summarise",
    "train_and_measure",
]
