"""The language models of the routing comparison: one transformer body, the FFN swapped per variant.

Every variant is `semphys.textlm.transformer.TransformerLM` with the same attention, embeddings,
norms and sizes; only each block's FFN differs:

    dense            GELU FFN of width top_k x d_ff_expert: the active FFN parameters of the MoE
    softmax          MoE, standard softmax top-k router (baseline)
    softmax_origin   MoE, softmax router reading x + origin phase (control: origin, standard form)
    omega            MoE, spec 003's Omega router
    omega_no_sin     Omega without h + sin(W_res h)
    omega_no_origin  Omega with phi = 1 (no origin phase)
    omega_shuffled   Omega trained and evaluated on origins shuffled between documents
    omega_matched    Omega with router width n_experts: as many active parameters as
                     softmax_origin (+0.6%), where `omega` has 12% more (the equal-parameters control)

The origin phase is a learned embedding (`n_origins x d_model`) of the token's origin label, one
table shared by the layers of a model.
"""

import dataclasses
from dataclasses import dataclass, field

from torch import nn

from semphys.errors import UserError
from semphys.routing.moe import MoEConfig, MoEFFN
from semphys.routing.router import OmegaRouter
from semphys.textlm.objective import LMOutput
from semphys.textlm.transformer import TransformerConfig, TransformerLM

VARIANTS: tuple[str, ...] = ("dense", "softmax", "softmax_origin", "omega", "omega_no_sin", "omega_no_origin",
                             "omega_shuffled", "omega_matched")
SHUFFLED: frozenset[str] = frozenset({"omega_shuffled"})
"""Variants trained and evaluated with origin labels shuffled between documents."""

_ROUTING: dict[str, dict[str, str | bool]] = {
    "softmax": {"router": "softmax", "use_origin": False},
    "softmax_origin": {"router": "softmax", "use_origin": True},
    "omega": {"router": "omega"},
    "omega_no_sin": {"router": "omega", "use_sin": False},
    "omega_no_origin": {"router": "omega", "use_origin": False},
    "omega_shuffled": {"router": "omega"},
    "omega_matched": {"router": "omega"},
}
"""Each MoE variant's router fields of `MoEConfig` (the rest: use_sin and use_origin True)."""
MATCHED: frozenset[str] = frozenset({"omega_matched"})
"""Variants whose Omega router is n_experts wide instead of d_model (equal active parameters)."""


@dataclass(frozen=True)
class RoutingLMConfig:
    """One variant's model; the same body and experts for all."""

    variant: str = "omega"
    """One of `VARIANTS`."""
    vocab_size: int = 2048
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    max_seq_len: int = 64
    n_origins: int = 45
    """Entries of the origin embedding (WordNet's 45 lexicographer files)."""
    moe: MoEConfig = field(default_factory=MoEConfig)
    """Experts (8, top-2, width 64), capacity and loss weights; the variant sets its router fields.
    The dense model's FFN is top_k x d_ff_expert wide."""

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise UserError(f"unknown variant {self.variant!r}: choose from {', '.join(VARIANTS)}")

    def transformer_config(self) -> TransformerConfig:
        return TransformerConfig(self.vocab_size, self.d_model, self.n_heads, self.n_layers,
                                 self.moe.top_k * self.moe.d_ff_expert, self.max_seq_len)

    def moe_config(self) -> MoEConfig | None:
        """The MoE layer's config with the variant's router; None for the dense model."""
        if self.variant == "dense":
            return None
        width = self.moe.n_experts if self.variant in MATCHED else None
        fields = {"use_sin": True, "use_origin": True, **_ROUTING[self.variant]}
        return dataclasses.replace(self.moe, router_width=width, **fields)


class RoutingLM(nn.Module):
    """A `TransformerLM` whose FFNs are the variant's (and its shared origin embedding)."""

    def __init__(self, config: RoutingLMConfig) -> None:
        super().__init__()
        self.config = config
        moe = config.moe_config()
        self.origin_embedding = (nn.Embedding(config.n_origins, config.d_model)
                                 if moe is not None and moe.use_origin else None)
        if self.origin_embedding is not None:
            nn.init.normal_(self.origin_embedding.weight, std=1.0)
        factory = None if moe is None else (lambda layer: MoEFFN(config.d_model, moe, self.origin_embedding))
        self.body = TransformerLM(config.transformer_config(), factory)
        for block in self.body.blocks:  # the body's GPT initialisation overwrote the pseudocode's nn.Linear
            if isinstance(getattr(block.ffn, "router", None), OmegaRouter):
                block.ffn.router.reset_pseudocode_parameters()

    def forward(self, inputs, origins=None) -> LMOutput:
        """inputs, origins: int64 `[B, T]`; `layer_stats` holds each MoE layer's `RoutingStats`."""
        return self.body(inputs, origins)

    def active_parameters(self) -> int:
        """Parameters one token uses: all but the experts it is not routed to."""
        total = sum(p.numel() for p in self.parameters())
        moe = self.config.moe_config()
        if moe is None:
            return total
        per_expert = 2 * self.config.d_model * moe.d_ff_expert + moe.d_ff_expert + self.config.d_model
        return total - self.config.n_layers * (moe.n_experts - moe.top_k) * per_expert
