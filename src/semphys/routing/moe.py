"""A mixture-of-experts FFN into which either router plugs: top-k, capacity, dropped tokens, aux losses.

For N tokens and E experts (each a GELU MLP `d_model -> d_ff_expert -> d_model`):

- the router gives p `[N, E]`; each token picks its top-k experts; its gates are those k
  probabilities renormalised to sum to 1 (Mixtral);
- every expert takes at most capacity = ceil(capacity_factor N k / E) assignments; first choices
  are served before second choices, earlier tokens before later ones (GShard, Lepikhin et al. 2021;
  Switch). An assignment past capacity is dropped: that expert's output is missing from the token's
  sum (the residual stream still carries the token);
- load-balancing loss (Switch, Fedus et al. 2022, eq. 4) E sum_e f_e P_e, with f_e the share of the
  N k assignments (before capacity) that go to expert e and P_e the mean router probability of e:
  1 at perfect balance, E when one expert takes everything; and the router's z-loss (ST-MoE).

The layer's output is `FFNOutput(out, aux_loss, RoutingStats)`, the weighted aux losses included.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_choice, require_non_negative, require_positive
from semphys.routing.router import ROUTERS, OmegaRouter, OriginEmbedding, SoftmaxRouter
from semphys.textlm.transformer import INIT_STD, FFNOutput


@dataclass(frozen=True)
class MoEConfig:
    """Experts, routing and auxiliary losses of one MoE FFN."""

    router: str = "softmax"
    """`softmax` (baseline) or `omega` (spec 003)."""
    n_experts: int = 8
    """Experts per layer."""
    top_k: int = 2
    """Experts per token."""
    d_ff_expert: int = 64
    """Hidden width of each expert."""
    capacity_factor: float = 1.25
    """Assignments an expert takes: ceil(capacity_factor N top_k / n_experts)."""
    load_balance_weight: float = 0.01
    """Weight of the Switch load-balancing loss (Switch: 0.01)."""
    z_loss_weight: float = 0.001
    """Weight of the ST-MoE router z-loss (ST-MoE: 0.001), for both routers."""
    use_sin: bool = True
    """Omega: keep the h + sin(W_res h) term (ablation: False)."""
    use_origin: bool = True
    """Omega: phi = tanh(W_origin origin) (ablation: False, phi = 1); softmax: add the origin embedding to x."""
    router_width: int | None = None
    """Omega: hidden width of W_origin, W_fire, W_res (None: d_model, the pseudocode's dim)."""

    def __post_init__(self) -> None:
        require_choice("router", self.router, ROUTERS)
        for name in ("n_experts", "top_k", "d_ff_expert"):
            require_at_least(name, getattr(self, name), 1)
        if self.n_experts < self.top_k:
            raise UserError(f"n_experts ({self.n_experts}) must be at least top_k ({self.top_k})")
        require_positive("capacity_factor", self.capacity_factor)
        require_non_negative("load_balance_weight", self.load_balance_weight)
        require_non_negative("z_loss_weight", self.z_loss_weight)
        if self.router_width is not None:
            require_at_least("router_width", self.router_width, 1)


@dataclass
class RoutingStats:
    """One layer's routing decisions for the N tokens of a forward pass (detached)."""

    probs: torch.Tensor
    """`[N, E]` router distribution."""
    experts: torch.Tensor
    """int64 `[N, k]`: chosen experts, best first."""
    kept: torch.Tensor
    """bool `[N, k]`: False where capacity dropped the assignment."""
    load_balance: float
    z_loss: float


def load_balancing_loss(probs: torch.Tensor, experts: torch.Tensor, n_experts: int) -> torch.Tensor:
    """Switch load-balancing loss E sum_e f_e P_e. probs `[N, E]`, experts `[N, k]`."""
    counts = torch.bincount(experts.reshape(-1), minlength=n_experts).to(probs.dtype)
    share = counts / experts.numel()
    return n_experts * (share * probs.mean(dim=0)).sum()


def capacity(n_tokens: int, config: MoEConfig) -> int:
    """Assignments each expert takes for `n_tokens` tokens."""
    return math.ceil(config.capacity_factor * n_tokens * config.top_k / config.n_experts)


def capacity_mask(experts: torch.Tensor, n_experts: int, limit: int) -> torch.Tensor:
    """bool `[N, k]`: which assignments fit, first choices before second ones, then by token order."""
    n, k = experts.shape
    slot_major = F.one_hot(experts.T.reshape(-1), n_experts)  # [k N, E]
    position = (slot_major.cumsum(dim=0) - 1).mul(slot_major).sum(dim=-1)
    return (position < limit).view(k, n).T


class Experts(nn.Module):
    """E independent GELU MLPs as batched weight tensors."""

    def __init__(self, n_experts: int, d_model: int, d_ff: int) -> None:
        super().__init__()
        self.w_up = nn.Parameter(torch.randn(n_experts, d_model, d_ff) * INIT_STD)
        self.b_up = nn.Parameter(torch.zeros(n_experts, d_ff))
        self.w_down = nn.Parameter(torch.randn(n_experts, d_ff, d_model) * INIT_STD)
        self.b_down = nn.Parameter(torch.zeros(n_experts, d_model))

    def forward(self, x: torch.Tensor, expert: int) -> torch.Tensor:
        """Expert `expert` on x `[n, d_model]`."""
        return F.gelu(x @ self.w_up[expert] + self.b_up[expert]) @ self.w_down[expert] + self.b_down[expert]


class MoEFFN(nn.Module):
    """Top-k mixture of experts with capacity; `origin_embedding` (shared by the layers) embeds the origins."""

    def __init__(self, d_model: int, config: MoEConfig, origin_embedding: nn.Embedding | None = None) -> None:
        super().__init__()
        self.config = config
        self.d_model = d_model
        if config.router == "omega":
            self.router = OmegaRouter(d_model, config.n_experts, config.use_sin, config.use_origin, config.router_width)
        else:
            self.router = SoftmaxRouter(d_model, config.n_experts, config.use_origin)
        self.experts = Experts(config.n_experts, d_model, config.d_ff_expert)
        self.reads_origin = config.use_origin
        if self.reads_origin and (origin_embedding is None or origin_embedding.embedding_dim != d_model):
            raise UserError(f"a router that reads the origin needs an origin embedding of width d_model {d_model}")
        self.origin_embedding = origin_embedding if self.reads_origin else None

    def embed_origins(self, origins: torch.Tensor | None, n: int) -> OriginEmbedding | None:
        """The learned origin table and each token's origin id (None when the router ignores the origin)."""
        if self.origin_embedding is None:
            return None
        if origins is None:
            raise UserError("this router reads the text's origin: give an origin id for every token")
        table = self.origin_embedding.num_embeddings
        if origins.numel() != n or int(origins.min()) < 0 or int(origins.max()) >= table:
            raise UserError(
                f"origin ids must be one per token in [0, {table}); got {origins.numel()} ids for "
                f"{n} tokens, range {int(origins.min())}..{int(origins.max())}"
            )
        return OriginEmbedding(self.origin_embedding.weight, origins.reshape(-1))

    def forward(self, x: torch.Tensor, origins: torch.Tensor | None = None) -> FFNOutput:
        """x `[B, T, d_model]`, origins int64 `[B, T]` -> FFNOutput with `RoutingStats`."""
        if x.shape[-1] != self.d_model:
            raise UserError(f"MoE layer of width {self.d_model} got inputs of width {x.shape[-1]}")
        shape = x.shape
        flat = x.reshape(-1, self.d_model)
        n = flat.shape[0]
        routed = self.router(flat, self.embed_origins(origins, n))
        top_p, experts = routed.probs.topk(self.config.top_k, dim=-1)
        gates = top_p / top_p.sum(dim=-1, keepdim=True)
        kept = capacity_mask(experts, self.config.n_experts, capacity(n, self.config))
        out = torch.zeros_like(flat)
        tokens = torch.arange(n).unsqueeze(1).expand_as(experts)
        for e in range(self.config.n_experts):
            chosen = (experts == e) & kept
            if not bool(chosen.any()):
                continue
            rows = tokens[chosen]
            out.index_add_(0, rows, self.experts(flat[rows], e) * gates[chosen].unsqueeze(1))
        balance = load_balancing_loss(routed.probs, experts, self.config.n_experts)
        aux = self.config.load_balance_weight * balance + self.config.z_loss_weight * routed.z_loss
        stats = RoutingStats(
            routed.probs.detach(), experts, kept, float(balance.detach()), float(routed.z_loss.detach())
        )
        return FFNOutput(out.view(shape), aux, stats)
