"""The variants of the routing comparison (spec 003 §3 against standard top-k routing), as data.

No torch here: the command line reads `VARIANTS` to check `--variants` before anything heavy loads.

    dense            GELU FFN of width top_k x d_ff_expert: the active FFN parameters of the MoE
    softmax          MoE, standard softmax top-k router (baseline)
    softmax_origin   MoE, softmax router reading x + origin embedding (control: origin, standard form)
    omega            MoE, spec 003's Omega router
    omega_no_sin     Omega without h + sin(W_res h)
    omega_no_origin  Omega with phi = 1 (no origin embedding)
    omega_shuffled   Omega trained and evaluated on origins shuffled between documents
    omega_matched    Omega with router width n_experts: as many active parameters as
                     softmax_origin (+0.6%), where `omega` has 12% more (the equal-parameters control)
"""

VARIANTS: tuple[str, ...] = (
    "dense",
    "softmax",
    "softmax_origin",
    "omega",
    "omega_no_sin",
    "omega_no_origin",
    "omega_shuffled",
    "omega_matched",
)
"""Every compared variant: the dense FFN at equal active parameters, softmax top-k (with and without the
origin embedding), the Omega router of spec 003 §2 and its ablations."""

ROUTER_FIELDS: dict[str, dict[str, str | bool]] = {
    "softmax": {"router": "softmax", "use_origin": False},
    "softmax_origin": {"router": "softmax", "use_origin": True},
    "omega": {"router": "omega"},
    "omega_no_sin": {"router": "omega", "use_sin": False},
    "omega_no_origin": {"router": "omega", "use_origin": False},
    "omega_shuffled": {"router": "omega"},
    "omega_matched": {"router": "omega"},
}
"""Each MoE variant's router fields of `MoEConfig` (the rest: use_sin and use_origin True); the
dense variant has no router."""

SHUFFLED: frozenset[str] = frozenset({"omega_shuffled"})
"""Variants trained and evaluated with origin labels shuffled between documents."""

MATCHED: frozenset[str] = frozenset({"omega_matched"})
"""Variants whose Omega router is n_experts wide instead of d_model (equal active parameters)."""

HEATMAP_VARIANTS: tuple[str, ...] = ("softmax", "softmax_origin", "omega")
"""The routers whose origin x expert counts are drawn side by side (`plots.origin_expert_heatmaps`)."""
