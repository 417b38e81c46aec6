"""The toy-sized routing model the tests share: d_model 16, 2 heads, 2 layers, 4 experts of width 8."""

from semphys.routing.moe import MoEConfig
from semphys.routing.moe_lm import RoutingLMConfig
from semphys.textlm.transformer import TransformerConfig


def tiny_model(variant: str = "omega", top_k: int = 2, vocab_size: int = 100) -> RoutingLMConfig:
    """A `RoutingLMConfig` small enough to train in a test (the dense FFN is top_k x 8 wide)."""
    body = TransformerConfig(vocab_size=vocab_size, d_model=16, n_heads=2, n_layers=2, d_ff=top_k * 8, max_seq_len=32)
    return RoutingLMConfig(variant=variant, body=body, moe=MoEConfig(n_experts=4, top_k=top_k, d_ff_expert=8))
