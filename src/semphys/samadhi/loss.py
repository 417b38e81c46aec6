"""The stability loss of spec 002 §3.4 and its mutual-information estimator.

    L = |S_T - S_{T-1}|^2  +  lambda_1 sum |S_T|  -  lambda_2 I(S_T; S_0)

I(S_T; S_0) is estimated with InfoNCE (van den Oord, Li & Vinyals 2018, "Representation Learning
with Contrastive Predictive Coding"; Poole et al. 2019, "On Variational Bounds of Mutual
Information"): over a batch of N pairs (S_T^i, S_0^i) and a critic f,

    I_NCE = log N + (1/N) sum_i [ f(S_T^i, S_0^i) - log sum_j exp f(S_T^i, S_0^j) ]  <=  I(S_T; S_0),

a lower bound for any critic, tight for the optimal critic f = log p(s_T | s_0) + c(s_T) when
I << log N, and never above log N. Why this estimator: it is differentiable, stable in high
dimension (d = 384 here, where a Gaussian or k-NN estimator needs far more samples than a batch),
and it is what representation learning maximises. The critic is bilinear, f(a, b) = a^T W b / d
(CPC's log-bilinear form), and is trained with the model, maximising the bound. A bilinear critic is
not invariant to the scale of S_T: shrinking the state towards 0 shrinks the logits and the bound,
so the MI term cannot be satisfied by a state that decays to zero while keeping its direction.

Because the bound saturates at log N, figures of I(S_T; S_0) are comparable only at equal N.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn


def infonce_bound(critic_scores: Tensor) -> Tensor:
    """InfoNCE lower bound (nats) from the critic matrix f[i, j] = f(s_T^i, s_0^j), [N, N] -> scalar.

    The positive pair of row i is column i.
    """
    n = critic_scores.shape[0]
    return math.log(n) + (critic_scores.diagonal() - critic_scores.logsumexp(dim=1)).mean()


class BilinearCritic(nn.Module):
    """f(a, b) = a^T W b / d, W initialised to the identity."""

    def __init__(self, d_model: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.eye(d_model))

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        """a [N, d], b [N, d] -> [N, N] scores for every (a_i, b_j)."""
        return a @ self.weight @ b.T / a.shape[-1]


def mutual_information(critic: BilinearCritic, s_final: Tensor, s0: Tensor) -> Tensor:
    """I_NCE(S_T; S_0) over the batch (nats; at most log N)."""
    return infonce_bound(critic(s_final, s0))


def stability(s_final: Tensor, s_before: Tensor) -> Tensor:
    """|S_T - S_{T-1}|^2, averaged over the batch."""
    return (s_final - s_before).pow(2).sum(dim=-1).mean()


def sparsity(s_final: Tensor) -> Tensor:
    """sum |S_T| (L1 norm over the d dimensions), averaged over the batch."""
    return s_final.abs().sum(dim=-1).mean()


@dataclass
class LossTerms:
    """The §3.4 loss and its three terms (scalars)."""

    total: Tensor
    stability: Tensor
    sparsity: Tensor
    mutual_information: Tensor

    def to_dict(self) -> dict[str, float]:
        return {
            "total": self.total.item(),
            "stability": self.stability.item(),
            "sparsity": self.sparsity.item(),
            "mutual_information": self.mutual_information.item(),
        }


def samadhi_loss(states: list[Tensor], critic: BilinearCritic, lambda_sparsity: float, lambda_mi: float) -> LossTerms:
    """§3.4 on an unrolled trajectory `states` = [S_0, ..., S_T] (each [N, d], T >= 1)."""
    s0, s_before, s_final = states[0], states[-2], states[-1]
    terms = (stability(s_final, s_before), sparsity(s_final), mutual_information(critic, s_final, s0))
    total = terms[0] + lambda_sparsity * terms[1] - lambda_mi * terms[2]
    return LossTerms(total, *terms)
