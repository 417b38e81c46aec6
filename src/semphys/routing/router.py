"""Routers: spec 003's Omega router and the standard softmax router it is compared with.

**OmegaRouter** (spec 003 §3, "PyTorch-like Pseudocode", with its `nn.Linear(dim, dim)` layers and
their default initialisation):

    phi    = tanh(W_origin origin_embedding)   origin -> tau sync
    fire   = relu(W_fire x)                    fire trace
    h      = phi * fire
    h      = h + sin(W_res h)                  Omega-cluster nonlinearity
    logits = W_proj h                          projection to the experts (ours, see below)
    p      = softmax(logits)

Names: the spec calls the router's origin input `origin_phase` and its layer `W_phase`. In semphys
"phase" means a phase transition (`semphys.phase`), so here the input is `origin_embedding` (an
`OriginEmbedding`: the learned vector of each token's origin label) and the layer `W_origin`; the
computation is the spec's.

The pseudocode ends with softmax(h), a distribution over its `dim` units, not over experts. The
projection W_proj (`dim -> n_experts`, no bias) sits between the sin term and the softmax, so the
softmax is still the last operation and now normalises over experts. This deviates from the spec's
§2 formula R = softmax(W_1 h + sin(W_2 h) + b): with W_1 = W_proj, semphys computes
W_proj h + W_proj sin(W_res h), so the sin term is projected too (§2 adds it in expert space), and
there is no bias b. The τ-field fluctuations (τ-noise) of spec 003 §1 and §6.2 are not implemented:
the router is deterministic. The other place for the projection, a
pooling after the pseudocode's softmax over units (p_e = sum_i q_i A_ie), was tried and dropped:
q is nearly uniform over 64 units, so p was the same for every token and every token went to one
expert at initialisation (measured in a test model: 72 of 72 tokens on expert 0). Ablations:
`use_sin=False` drops the sin term; `use_origin=False` sets phi = 1 (no origin embedding). `width`
(default `dim`, the pseudocode's) is the hidden width of W_origin, W_fire and W_res: a narrower
router has as few parameters as the softmax router (the equal-active-parameters control).

**SoftmaxRouter** (Switch Transformer, Fedus et al. 2022; Mixtral, Jiang et al. 2024): logits =
W x, p = softmax(logits). With `use_origin=True` the origin embedding is added to x first (a
control: the same origin information as Omega, in the standard router's form).

Both routers' z-loss (ST-MoE, Zoph et al. 2022) is mean(logsumexp(logits)^2). Both return a
`RouterOutput` with the expert distribution `[N, n_experts]`; top-k selection, capacity and the
load-balancing loss are the MoE layer's (`semphys.routing.moe`). The gate/projection weights of
both start at N(0, INIT_STD) (the body's GPT initialisation, `semphys.textlm.transformer`).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from semphys.core.errors import UserError

ROUTERS: tuple[str, ...] = ("softmax", "omega")


@dataclass(frozen=True)
class OriginEmbedding:
    """The origin embedding of N tokens: a table of one vector per origin and each token's origin id."""

    table: torch.Tensor
    """`[n_origins, dim]`: the learned origin embedding."""
    ids: torch.Tensor
    """int64 `[N]`: each token's origin."""

    def vectors(self) -> torch.Tensor:
        """`[N, dim]`: each token's origin vector."""
        return self.table[self.ids]


@dataclass
class RouterOutput:
    """What a router says about N tokens."""

    probs: torch.Tensor
    """`[N, n_experts]`: routing distribution, rows sum to 1."""
    z_loss: torch.Tensor
    """Scalar ST-MoE z-loss of the router logits."""


class OmegaRouter(nn.Module):
    """Spec 003 §3's router on `dim`-wide inputs, its output projected to `n_experts` logits."""

    def __init__(
        self, dim: int, n_experts: int, use_sin: bool = True, use_origin: bool = True, width: int | None = None
    ) -> None:
        super().__init__()
        width = dim if width is None else width
        if width < 1:
            raise UserError(f"the Omega router's width must be at least 1, got {width}")
        self.W_origin = nn.Linear(dim, width)
        self.W_fire = nn.Linear(dim, width)
        self.W_res = nn.Linear(width, width)
        self.W_proj = nn.Linear(width, n_experts, bias=False)
        self.use_sin = use_sin
        self.use_origin = use_origin

    def reset_pseudocode_parameters(self) -> None:
        """PyTorch's default initialisation for the pseudocode's three `nn.Linear(dim, dim)`."""
        for linear in (self.W_origin, self.W_fire, self.W_res):
            linear.reset_parameters()

    def features(self, x: torch.Tensor, origin: OriginEmbedding | None) -> torch.Tensor:
        """h + sin(W_res h) `[N, width]`, the pseudocode's argument of its softmax. x `[N, dim]`.

        phi = tanh(W_origin o) is computed once per origin (the table's rows) and then looked up per
        token: the same numbers as per token, a dim x dim product fewer per token.
        """
        fire = torch.relu(self.W_fire(x))
        if self.use_origin:
            if origin is None:
                raise UserError("the Omega router needs an origin embedding for every token (origins=None given)")
            h = torch.tanh(self.W_origin(origin.table))[origin.ids] * fire
        else:
            h = fire
        if self.use_sin:
            h = h + torch.sin(self.W_res(h))
        return h

    def forward(self, x: torch.Tensor, origin: OriginEmbedding | None) -> RouterOutput:
        logits = self.W_proj(self.features(x, origin))
        return RouterOutput(F.softmax(logits, dim=-1), torch.logsumexp(logits, dim=-1).pow(2).mean())


class SoftmaxRouter(nn.Module):
    """Linear logits over experts and their softmax (Switch / Mixtral), optionally reading the origin."""

    def __init__(self, dim: int, n_experts: int, use_origin: bool = False) -> None:
        super().__init__()
        self.W_gate = nn.Linear(dim, n_experts, bias=False)
        self.use_origin = use_origin

    def forward(self, x: torch.Tensor, origin: OriginEmbedding | None) -> RouterOutput:
        if self.use_origin:
            if origin is None:
                raise UserError("this router reads the origin embedding: give origins for every token")
            x = x + origin.vectors()
        logits = self.W_gate(x)
        z_loss = torch.logsumexp(logits, dim=-1).pow(2).mean()
        return RouterOutput(F.softmax(logits, dim=-1), z_loss)
