"""`SamadhiModel`: feature standardisation, Vitakka (Module A), Vicara (Module B) and the MI critic.

Inference (spec 002 §5): standardise the window's token states, scan the probes, decide the gate,
and refine S_0 only where the gate is open; a closed window gets no state (`Null`, §5.3) and is
never counted as converged. Checkpoints hold every tensor of the model (buffers included) and its
`SamadhiConfig` (`semphys.core.checkpoint`).
"""

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from semphys.core.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from semphys.core.errors import UserError
from semphys.core.fixedpoint import SolverStats
from semphys.samadhi.config import SamadhiConfig
from semphys.samadhi.loss import BilinearCritic
from semphys.samadhi.vicara import Vicara
from semphys.samadhi.vitakka import Vitakka, VitakkaOutput, check_window


@dataclass
class Inference:
    """Everything the model decided for a batch of windows."""

    vitakka: VitakkaOutput
    s_final: Tensor
    """[B, d] S_final; zero rows where the gate is closed (their output is Null)."""
    stats: SolverStats
    """Per window; a closed window has steps 0 and converged False."""


class SamadhiModel(nn.Module):
    """The whole model.

    Buffers: `feature_mean`, `feature_std` [d] standardise the language model's token states (training
    split statistics); `probe_concept` [K] is the concept index each probe stands for: itself for a
    canonical probe, the majority concept of the training windows it wins for a learned one, -1 when
    it wins none.
    """

    def __init__(self, config: SamadhiConfig) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.register_buffer("feature_mean", torch.zeros(d))
        self.register_buffer("feature_std", torch.ones(d))
        self.register_buffer("probe_concept", torch.full((config.n_probes,), -1, dtype=torch.long))
        self.vitakka = Vitakka(config)
        self.vicara = Vicara(config)
        self.critic = BilinearCritic(d)

    def standardise(self, x: Tensor) -> Tensor:
        """(x - mean) / std with the training split's per-dimension statistics. [..., d] -> [..., d]."""
        if x.shape[-1] != self.config.d_model:
            raise UserError(f"input width {x.shape[-1]} does not match the model's d_model {self.config.d_model}")
        return (x - self.feature_mean) / self.feature_std

    @torch.no_grad()
    def infer(
        self,
        x: Tensor,
        mask: Tensor,
        solver: str = "plain",
        mode: str = "hard",
        standardised: bool = True,
        max_steps: int | None = None,
    ) -> Inference:
        """Windows x [B, L, d] (standardised unless `standardised=False`), mask [B, L] -> `Inference`."""
        check_window(x, mask, self.config.d_model)
        if not standardised:
            x = self.standardise(x)
        out = self.vitakka(x, mask)
        batch = x.shape[0]
        rows = out.gate.nonzero().flatten()
        s_final = torch.zeros_like(out.s0)
        n_steps = max_steps or self.config.t_max
        stats = SolverStats.empty(solver, batch, n_steps, self.config.eps)
        if len(rows):
            state, solved = self.vicara.refine(
                out.s0[rows], out.winner[rows], out.weights[rows], mode, solver, max_steps=n_steps
            )
            s_final[rows] = state
            stats.assign(rows, solved)
        return Inference(vitakka=out, s_final=s_final, stats=stats)

    def save(self, path: Path, extra: dict | None = None) -> Path:
        return save_checkpoint(path, self.state_dict(), self.config, extra=extra)

    @classmethod
    def load(cls, path: Path, expected: SamadhiConfig | None = None) -> tuple["SamadhiModel", Checkpoint]:
        """Rebuild a model from a checkpoint (refuses truncated files and other configs)."""
        ckpt = load_checkpoint(path, SamadhiConfig, expected)
        model = cls(ckpt.config)
        missing, unexpected = model.load_state_dict(ckpt.tensors, strict=False)
        if missing or unexpected:
            raise UserError(
                f"{path} does not fit a {ckpt.config.vicara_type} Samadhi model "
                f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
            )
        model.eval()
        return model, ckpt
