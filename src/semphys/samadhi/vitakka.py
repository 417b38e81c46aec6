"""Module A, Vitakka (spec 002 §2 A, §3.1, §3.2): resonance, lateral inhibition, gate, S_0.

    Score_k = | (1/sqrt d) sum_i Softmax_i(p_k^T x_i) x_i |          (§3.1; softmax over the L positions)
    w_hat   = Softmax([Score_1 .. Score_K] / tau)                     (§3.1, lateral inhibition)
    G       = 1 if max_k Score_k > theta else 0                       (§3.2)
    S_0     = G * Attention(Q = p_win, K = X, V = X)                  (§3.2)

Attention in §3.2 is the same attention as in §3.1 (logits p^T x_i, no 1/sqrt(d) inside the
softmax), so that Score_win = |S_0| / sqrt(d) whenever the gate is open: the score of the winner is
the size of the state it starts. (Scaled dot-product attention would divide the logits by sqrt(d);
here the probe norm plays that role, see `SamadhiConfig.probe_scale`.)

Scale of the features. X is the language model's residual stream standardised per dimension with
training-split token statistics (`semphys.samadhi.data`), so |x_i| / sqrt(d) is about 1, and
Score_k lies between 0 (attention spread over tokens that cancel) and max_i |x_i| / sqrt(d) (attention
on one token, or on tokens that point the same way). That is why the spec's theta of 0.3-0.5 sits
inside the range of the score and means "the attended tokens are at least a third to a half as
coherent as a single token". With an optional learned read-in W_in (`SamadhiConfig.read_in`) X is
W_in applied to those features.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from semphys.core.errors import UserError
from semphys.samadhi.config import SamadhiConfig


def check_window(x: Tensor, mask: Tensor, d_model: int) -> None:
    """`UserError` unless x is [B, L, d_model] with a matching mask [B, L] and no empty window."""
    if x.dim() != 3:
        raise UserError(f"input must be a batch of windows [B, L, d], got shape {tuple(x.shape)}")
    if x.shape[-1] != d_model:
        raise UserError(f"input width {x.shape[-1]} does not match the model's d_model {d_model}")
    if mask.shape != x.shape[:2]:
        raise UserError(f"mask shape {tuple(mask.shape)} does not match the windows {tuple(x.shape[:2])}")
    empty = (~mask.bool()).all(dim=1) if x.shape[1] else torch.ones(x.shape[0], dtype=torch.bool)
    if empty.any():
        rows = empty.nonzero().flatten().tolist()
        raise UserError(f"empty window (no token) at batch row(s) {rows[:5]}: every window needs at least one token")


def attention_pool(x: Tensor, mask: Tensor, queries: Tensor) -> tuple[Tensor, Tensor]:
    """sum_i Softmax_i(q^T x_i) x_i for each query (§3.1's attention; padded positions excluded).

    Args:
        x: [B, L, d]; mask: [B, L] (True = token); queries: [K, d] (shared) or [B, K, d] (per window).
    Returns:
        pooled [B, K, d] and attention weights [B, K, L] (each row sums to 1 over the window's tokens).
    """
    if queries.dim() == 2:
        logits = torch.einsum("bld,kd->bkl", x, queries)
    else:
        logits = torch.einsum("bld,bkd->bkl", x, queries)
    logits = logits.masked_fill(~mask.bool()[:, None, :], float("-inf"))
    weights = logits.softmax(dim=-1)
    return torch.einsum("bkl,bld->bkd", weights, x), weights


def resonance_scores(x: Tensor, mask: Tensor, probes: Tensor) -> Tensor:
    """Score_k of §3.1 for every window and probe. x: [B, L, d], probes: [K, d] -> [B, K]."""
    return _score(attention_pool(x, mask, probes)[0])


def _score(pooled: Tensor) -> Tensor:
    """|pooled| / sqrt(d): [B, K, d] -> [B, K]."""
    return pooled.norm(dim=-1) / math.sqrt(pooled.shape[-1])


def lateral_inhibition(scores: Tensor, tau: float) -> Tensor:
    """w_hat = Softmax(scores / tau) over the K probes (§3.1). [B, K] -> [B, K]."""
    return (scores / tau).softmax(dim=-1)


def gate_open(scores: Tensor, theta: float) -> Tensor:
    """G of §3.2: max_k Score_k > theta. [B, K] -> [B] bool."""
    return scores.max(dim=-1).values > theta


def initial_state(x: Tensor, mask: Tensor, winner_probe: Tensor, gate: Tensor) -> Tensor:
    """S_0 = G * Attention(Q = p_win, K = X, V = X) (§3.2). winner_probe [B, d], gate [B] -> [B, d]."""
    pooled, _ = attention_pool(x, mask, winner_probe[:, None, :])
    return pooled[:, 0] * gate.to(x.dtype)[:, None]


@dataclass
class VitakkaOutput:
    """What Module A decides for a batch of windows."""

    scores: Tensor
    """[B, K] raw resonance scores Score_k (§3.1)."""
    weights: Tensor
    """[B, K] w_hat, the lateral-inhibition distribution (§3.1)."""
    winner: Tensor
    """[B] long, argmax_k Score_k."""
    gate: Tensor
    """[B] bool, G (§3.2)."""
    s0: Tensor
    """[B, d] S_0 (zero where the gate is closed)."""


class Vitakka(nn.Module):
    """K probes (canonical then learned, §2 A.1) and the optional read-in W_in = I + Delta."""

    def __init__(self, config: SamadhiConfig) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.read_in_delta = nn.Parameter(torch.zeros(d, d)) if config.read_in else None
        self.probes = nn.Parameter(torch.randn(config.n_probes, d) * config.probe_scale / math.sqrt(d))

    def set_probes(self, directions: Tensor) -> None:
        """Initialise the probes along `directions` [K, d], each scaled to norm `probe_scale`."""
        with torch.no_grad():
            self.probes.copy_(nn.functional.normalize(directions, dim=-1) * self.config.probe_scale)

    def features(self, x: Tensor) -> Tensor:
        """X as the probes see it: W_in x_i with W_in = I + Delta (or x_i). [B, L, d] -> [B, L, d].

        Parametrised as a delta from the identity so that weight decay pulls W_in towards "no read-in".
        """
        return x + x @ self.read_in_delta.T if self.read_in_delta is not None else x

    def forward(self, x: Tensor, mask: Tensor) -> VitakkaOutput:
        """x: [B, L, d] standardised token states, mask: [B, L] bool."""
        check_window(x, mask, self.config.d_model)
        feats = self.features(x)
        pooled, _ = attention_pool(feats, mask, self.probes)
        scores = _score(pooled)
        winner = scores.argmax(dim=-1)
        gate = gate_open(scores, self.config.theta)
        s0 = pooled[torch.arange(len(winner)), winner] * gate.to(feats.dtype)[:, None]
        return VitakkaOutput(
            scores=scores, weights=lateral_inhibition(scores, self.config.tau), winner=winner, gate=gate, s0=s0
        )
