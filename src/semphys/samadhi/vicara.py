"""Module B, Vicara (spec 002 §2 B, §3.3): refiners Phi_k and the update S_{t+1} = (1 - b) S_t + b Phi(S_t).

Variants (§2 B `vicara_type`):
    standard         one refiner Phi shared by every probe
    probe_specific   one refiner Phi_k per probe k (v2.3)
Modes (§2 B.2):
    hard   Phi = Phi_win, the winner's refiner (inference)
    soft   Phi = sum_k w_k Phi_k, weighted by the lateral-inhibition distribution w_hat (training)
For `standard` both modes are the same map. Isolation (§2 B.1): after t = 0 the update sees only S.

Form of each refiner (the spec leaves Phi open): Phi_k(S) = gamma W2_k tanh(W1_k S + b1_k) + b2_k,
with each weight matrix divided by max(1, its spectral norm) (exact, by SVD, once per solve), so
Lip(Phi_k) <= gamma (tanh is 1-Lipschitz). With gamma < 1 the update G(S) = (1 - b) S + b Phi(S) is a
contraction with rate <= 1 - b + b gamma, its fixed point S* exists and is unique (Banach), and the
§3.3 limit |S_{t+1} - S_t| -> 0 is guaranteed. Consequence worth knowing: in hard mode S_final then
depends on S_0 only through which refiner runs (up to eps), whatever the training.
"""

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from semphys.core.errors import UserError
from semphys.core.fixedpoint import SolverStats, solve
from semphys.samadhi.config import ATTENTION_MODES, SOLVERS, SamadhiConfig


def spectral_norm(weight: Tensor) -> Tensor:
    """Largest singular value of each matrix of a stack [R, m, n] -> [R] (exact, differentiable).

    Computed as sqrt(lambda_max) of the smaller Gram matrix (W W^T or W^T W, min(m, n) wide):
    about 20x faster than an SVD of the whole matrix for the refiners' 64 x 384 shapes.
    """
    gram = weight @ weight.transpose(1, 2) if weight.shape[1] <= weight.shape[2] else weight.transpose(1, 2) @ weight
    return torch.linalg.eigvalsh(gram)[:, -1].clamp_min(0).sqrt()


def _clip_spectral(weight: Tensor) -> Tensor:
    """W / max(1, sigma_max(W)) for a stack of matrices [R, m, n] (differentiable)."""
    return weight / spectral_norm(weight).clamp_min(1.0)[:, None, None]


@dataclass
class RefinerWeights:
    """The refiners' weights with their spectral norms clipped, computed once per solve."""

    w1: Tensor  # [R, h, d]
    b1: Tensor  # [R, h]
    w2: Tensor  # [R, d, h]
    b2: Tensor  # [R, d]
    gamma: float

    def apply_one(self, state: Tensor, r: int) -> Tensor:
        """Phi_r(S) for every row. state [B, d] -> [B, d]."""
        hidden = torch.tanh(state @ self.w1[r].T + self.b1[r])
        return self.gamma * hidden @ self.w2[r].T + self.b2[r]

    def apply(self, state: Tensor, index: Tensor) -> Tensor:
        """Phi_{index_b}(S_b) for each row b, one matmul per refiner in use. state [B, d], index [B] -> [B, d]."""
        if len(self.w1) == 1:
            return self.apply_one(state, 0)
        out = torch.empty_like(state)
        for r in index.unique().tolist():
            rows = (index == r).nonzero().flatten()
            out = out.index_copy(0, rows, self.apply_one(state[rows], r))
        return out

    def apply_all(self, state: Tensor) -> Tensor:
        """Phi_r(S_b) for every refiner r. state [B, d] -> [B, R, d]."""
        hidden = torch.tanh(torch.einsum("rhd,bd->brh", self.w1, state) + self.b1)
        return self.gamma * torch.einsum("rdh,brh->brd", self.w2, hidden) + self.b2


class Vicara(nn.Module):
    """The refiners of one `vicara_type` and the §3.3 update."""

    def __init__(self, config: SamadhiConfig) -> None:
        super().__init__()
        self.config = config
        r, h, d = config.n_refiners, config.refiner_hidden, config.d_model
        self.w1 = nn.Parameter(torch.randn(r, h, d) / d**0.5)
        self.b1 = nn.Parameter(torch.zeros(r, h))
        self.w2 = nn.Parameter(torch.randn(r, d, h) / h**0.5)
        self.b2 = nn.Parameter(torch.zeros(r, d))

    def weights(self) -> RefinerWeights:
        return RefinerWeights(
            _clip_spectral(self.w1), self.b1, _clip_spectral(self.w2), self.b2, self.config.refiner_lipschitz
        )

    def phi(self, weights: RefinerWeights, state: Tensor, winner: Tensor, probs: Tensor, mode: str) -> Tensor:
        """Phi(S) in `mode`. state [B, d], winner [B] long, probs [B, K] (w_hat) -> [B, d]."""
        if self.config.vicara_type == "standard":
            return weights.apply(state, torch.zeros_like(winner))
        if mode == "hard":
            return weights.apply(state, winner)
        return torch.einsum("bk,bkd->bd", probs, weights.apply_all(state))

    def update(self, weights: RefinerWeights, state: Tensor, winner: Tensor, probs: Tensor, mode: str) -> Tensor:
        """G(S) = (1 - beta) S + beta Phi(S) (§3.3). [B, d] -> [B, d]."""
        beta = self.config.beta
        return (1 - beta) * state + beta * self.phi(weights, state, winner, probs, mode)

    def refine(
        self,
        s0: Tensor,
        winner: Tensor,
        probs: Tensor,
        mode: str = "hard",
        solver: str = "plain",
        max_steps: int | None = None,
    ) -> tuple[Tensor, SolverStats]:
        """Iterate G from S_0 until |S_{t+1} - S_t| <= eps or t_max (§2 B.3, §5.4), per window.

        s0 [B, d], winner [B], probs [B, K] -> (S_final [B, d], per-window `SolverStats`). The loop
        is `semphys.core.fixedpoint.solve` (`plain`: the spec's loop; `anderson`), L2 residual, no gradient.
        (The spec writes `< eps`; the project's solvers stop at `<= eps`, which differs only on equality.)
        """
        if mode not in ATTENTION_MODES:
            raise UserError(f"unknown attention mode {mode!r}: choose one of {', '.join(ATTENTION_MODES)}")
        if solver not in SOLVERS:
            raise UserError(f"unknown solver {solver!r}: choose one of {', '.join(SOLVERS)}")
        weights = self.weights()

        def update(rows_state: Tensor, rows: Tensor) -> Tensor:
            return self.update(weights, rows_state, winner[rows], probs[rows], mode)

        return solve(update, s0, method=solver, tol=self.config.eps, max_iter=max_steps or self.config.t_max)

    def unroll(self, s0: Tensor, winner: Tensor, probs: Tensor, steps: int, mode: str = "soft") -> list[Tensor]:
        """[S_0, S_1, ..., S_steps], differentiable (training). s0 [B, d] -> steps + 1 tensors [B, d]."""
        weights = self.weights()
        states = [s0]
        for _ in range(steps):
            states.append(self.update(weights, states[-1], winner, probs, mode))
        return states
