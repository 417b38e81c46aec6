"""The language models of the routing comparison: one transformer body, the FFN swapped per variant.

Every variant (`semphys.routing.variants`) is `semphys.textlm.transformer.TransformerLM` with the
same attention, embeddings, norms and sizes; only each block's FFN differs: the dense GELU FFN of
width top_k x d_ff_expert (the FFN width one token of the MoE uses), or a `MoEFFN` with the
variant's router.

The origin embedding is a learned table (`n_origins x d_model`, N(0, 1)) of the token's origin
label, one table shared by the layers of a model.
"""

import dataclasses
from dataclasses import dataclass, field

from torch import nn

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_choice
from semphys.routing.moe import MoEConfig, MoEFFN
from semphys.routing.router import OmegaRouter
from semphys.routing.variants import MATCHED, ROUTER_FIELDS, VARIANTS
from semphys.textlm.data import ORIGIN_NAMES
from semphys.textlm.objective import LMOutput
from semphys.textlm.transformer import TransformerConfig, TransformerLM


def dense_width(moe: MoEConfig) -> int:
    """The dense model's FFN width: top_k x d_ff_expert, the FFN width one token of the MoE uses."""
    return moe.top_k * moe.d_ff_expert


def _body() -> TransformerConfig:
    return TransformerConfig(d_model=64, n_heads=4, n_layers=2, d_ff=dense_width(MoEConfig()), max_seq_len=64)


@dataclass(frozen=True)
class RoutingLMConfig:
    """One variant's model (spec 003 §3 router in a small MoE LM); the same body and experts for all."""

    variant: str = "omega"
    """One of `VARIANTS`."""
    body: TransformerConfig = field(default_factory=_body)
    """The shared transformer (d_model 64, 4 heads, 2 layers, 64 positions). `body.d_ff` is the
    dense variant's FFN width and must equal `dense_width(moe)` (equal active FFN parameters);
    `with_moe` keeps the two together."""
    n_origins: int = len(ORIGIN_NAMES)
    """Entries of the origin embedding (WordNet's 45 lexicographer files)."""
    moe: MoEConfig = field(default_factory=MoEConfig)
    """Experts (8, top-2, width 64), capacity and loss weights; the variant sets its router fields."""

    def __post_init__(self) -> None:
        require_choice("variant", self.variant, VARIANTS)
        require_at_least("n_origins", self.n_origins, 1)
        if self.body.d_ff != dense_width(self.moe):
            raise UserError(
                f"body.d_ff {self.body.d_ff} must equal top_k x d_ff_expert = {dense_width(self.moe)}: "
                "the dense model has the FFN width a token of the MoE uses"
            )

    def with_moe(self, **changes: object) -> "RoutingLMConfig":
        """This config with `moe` fields changed and `body.d_ff` following them."""
        moe = dataclasses.replace(self.moe, **changes)
        return dataclasses.replace(self, moe=moe, body=dataclasses.replace(self.body, d_ff=dense_width(moe)))

    def moe_config(self) -> MoEConfig | None:
        """The MoE layer's config with the variant's router; None for the dense model."""
        if self.variant == "dense":
            return None
        width = self.moe.n_experts if self.variant in MATCHED else None
        fields = {"use_sin": True, "use_origin": True, **ROUTER_FIELDS[self.variant]}
        return dataclasses.replace(self.moe, router_width=width, **fields)


class RoutingLM(nn.Module):
    """A `TransformerLM` whose FFNs are the variant's (and its shared origin embedding)."""

    def __init__(self, config: RoutingLMConfig) -> None:
        super().__init__()
        self.config = config
        moe = config.moe_config()
        self.origin_embedding = (
            nn.Embedding(config.n_origins, config.body.d_model) if moe is not None and moe.use_origin else None
        )
        if self.origin_embedding is not None:
            nn.init.normal_(self.origin_embedding.weight, std=1.0)
        factory = None if moe is None else (lambda layer: MoEFFN(config.body.d_model, moe, self.origin_embedding))
        self.body = TransformerLM(config.body, factory)
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
        d_model = self.config.body.d_model
        per_expert = 2 * d_model * moe.d_ff_expert + moe.d_ff_expert + d_model
        return total - self.config.body.n_layers * (moe.n_experts - moe.top_k) * per_expert
