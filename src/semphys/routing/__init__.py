"""semphys.routing: spec 003's Omega router against standard mixture-of-experts routing, on real text.

    router    OmegaRouter (the spec's pseudocode + a projection to experts), SoftmaxRouter
    moe       MoEFFN: top-k, capacity, dropped tokens, load-balancing and z losses
    variants  the compared variants as data (dense, routers, ablations; no torch)
    moe_lm    RoutingLM: the textlm transformer body with each variant's FFN
    metrics   load CV and entropy, dropped share, MI(origin; expert) with its permutation null,
              weak-stimulus sensitivity
    compare   every variant x seed on the same tokens; mean and spread; results.json (+ its schema)
    command   `semphys routing compare`: its options checked in one place, then the run
    report    the summary as table rows and text
    plots     loss curves, expert load, origin x expert heatmaps

Imports `semphys.textlm` (and `semphys.data` through it) and the ground floor, never another subsystem.
"""
