"""The CVFP language model as spec 004 describes it: `CVFPLayer`, `CVFPBlock`, `CVFPModel`.

Spec 004 ("実装したコンポーネント", "CVFPLayer vs CVFPBlockの違い", "設定パラメータ"): a context
vector c (context_dim) is updated token by token from the token's embedding e (embed_dim),

    [d_c, d_e] = ReLU(W [c; e] + b)              hidden_dim = context_dim + embed_dim, split in two
    c' = c + d_c,  e' = e + d_e                  residual connections
    c' = (1 - m) c' + m LayerNorm(c')            optional LayerNorm mix m (`layernorm_mix`), same for e'

one `CVFPLayer`; a `CVFPBlock` chains `n` layers, and `layer_structure` lists the layers per block
([1, 1]: two blocks of one layer, the spec's 2-layer model; [2, 3] as in the spec's example). The
recurrence over a token stream is c_t = F(c_{t-1}, e_t), F = all blocks; c_0 = 0. Each layer keeps
EMA running statistics of its output contexts (`running_mean`, `running_var`, momentum 0.99,
population variance) updated in training mode, and `get_distribution_loss()` returns
mean(running_mean^2) + mean((running_var - 1)^2) (spec "Distribution Regularization の実装").
Phase 2's head predicts the next token from c_t (`token_output`, a linear map, as in the spec's
project), after the token embedding and its LayerNorm (`embed_norm`).

Faithful details worth knowing, measured in the tests:
- The EMA buffers are written under `torch.no_grad()` (as in the spec), so `get_distribution_loss()`
  carries no gradient: in the spec's Phase 1 the distribution term trains nothing.
- In the spec's per-token loop the layer sees a batch of one context, whose population variance is
  0: `running_var` then decays towards 0 whatever the contexts do.
- d_c = ReLU(...) >= 0: without LayerNorm the context can only grow (the spec's NaN without
  LayerNorm); with full LayerNorm every context has norm sqrt(context_dim) (the spec's 4.0 at 16).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least
from semphys.textlm.objective import LMOutput


@dataclass(frozen=True)
class CVFPConfig:
    """Shape of the CVFP model; defaults are the spec's `config.py` (spec 004 "設定パラメータ")."""

    vocab_size: int = 2048
    """Token vocabulary (the tokenizer's; the spec used GPT-2's)."""
    context_dim: int = 16
    """Context vector width (spec: context_dim = 16)."""
    embed_dim: int = 16
    """Token embedding width (spec: embed_dim = 16)."""
    hidden_dim: int = 32
    """FNN output width; must equal context_dim + embed_dim (spec: hidden_dim = 32)."""
    layer_structure: tuple[int, ...] = (1, 1)
    """Layers per block (spec: num_layers = 2 as [1, 1]; [2, 3] in its example)."""
    layernorm_mix: float = 1.0
    """Share of LayerNorm in each layer's output, 0 (off) to 1 (full; the spec's first experiment,
    whose contexts all had norm 4.0; its second trial used 0.2)."""
    use_dist_reg: bool = True
    """Track the EMA statistics behind `get_distribution_loss` (spec: use_distribution_reg)."""
    ema_momentum: float = 0.99
    """EMA momentum of the running statistics (spec: 0.99)."""
    init_std: float = 0.05
    """Std of the normal initialisation of the FNN weights, biases 0 (spec: std=0.05)."""
    max_seq_len: int = 131072
    """Longest token sequence the model accepts in one pass (the spec ran 92,047 tokens)."""

    def __post_init__(self) -> None:
        if self.hidden_dim != self.context_dim + self.embed_dim:
            raise UserError(
                f"hidden_dim ({self.hidden_dim}) must equal context_dim ({self.context_dim}) + "
                f"embed_dim ({self.embed_dim}): the FNN output is split into the two updates"
            )
        if not self.layer_structure or any(n < 1 for n in self.layer_structure):
            raise UserError(
                f"layer_structure {list(self.layer_structure)} must list at least one block, each of at least 1 layer"
            )
        if not 0.0 <= self.layernorm_mix <= 1.0:
            raise UserError(f"layernorm_mix must lie in [0, 1], got {self.layernorm_mix}")
        if not 0.0 <= self.ema_momentum < 1.0:
            raise UserError(f"ema_momentum must lie in [0, 1), got {self.ema_momentum}")
        for name in ("vocab_size", "context_dim", "embed_dim", "max_seq_len"):
            require_at_least(name, getattr(self, name), 1)


class CVFPLayer(nn.Module):
    """One context update (spec 004 `CVFPLayer`): FNN on [c; e], residual, LayerNorm mix, EMA stats."""

    def __init__(self, config: CVFPConfig) -> None:
        super().__init__()
        self.context_dim = config.context_dim
        self.layernorm_mix = config.layernorm_mix
        self.use_dist_reg = config.use_dist_reg
        self.ema_momentum = config.ema_momentum
        self.track_running_stats = True
        """Whether training-mode calls update the EMA buffers (off inside parallel solver iterations)."""
        self.fnn = nn.Linear(config.context_dim + config.embed_dim, config.hidden_dim)
        nn.init.normal_(self.fnn.weight, mean=0.0, std=config.init_std)
        nn.init.zeros_(self.fnn.bias)
        if config.layernorm_mix > 0:
            self.context_norm = nn.LayerNorm(config.context_dim)
            self.token_norm = nn.LayerNorm(config.embed_dim)
        self.register_buffer("running_mean", torch.zeros(config.context_dim))
        self.register_buffer("running_var", torch.ones(config.context_dim))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, context: torch.Tensor, token: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """context: `[..., context_dim]`, token: `[..., embed_dim]` -> (new context, new token)."""
        update = F.relu(self.fnn(torch.cat([context, token], dim=-1)))
        new_context = context + update[..., : self.context_dim]
        new_token = token + update[..., self.context_dim :]
        if self.layernorm_mix > 0:
            mix = self.layernorm_mix
            new_context = (1 - mix) * new_context + mix * self.context_norm(new_context)
            new_token = (1 - mix) * new_token + mix * self.token_norm(new_token)
        if self.training and self.use_dist_reg and self.track_running_stats:
            self._update_running_stats(new_context)
        return new_context, new_token

    @torch.no_grad()
    def _update_running_stats(self, context: torch.Tensor) -> None:
        """EMA of the per-dimension mean and population variance over the batch (spec 004)."""
        flat = context.reshape(-1, self.context_dim)
        m = self.ema_momentum
        self.running_mean.mul_(m).add_((1 - m) * flat.mean(dim=0))
        self.running_var.mul_(m).add_((1 - m) * flat.var(dim=0, unbiased=False))
        self.num_batches_tracked += 1

    def get_distribution_loss(self) -> torch.Tensor:
        """mean(running_mean^2) + mean((running_var - 1)^2); 0 when `use_dist_reg` is off. No gradient."""
        if not self.use_dist_reg:
            return self.running_mean.new_zeros(())
        return (self.running_mean**2).mean() + ((self.running_var - 1.0) ** 2).mean()


class CVFPBlock(nn.Module):
    """`num_layers` CVFPLayers applied in turn (spec 004 `CVFPBlock`)."""

    def __init__(self, num_layers: int, config: CVFPConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(CVFPLayer(config) for _ in range(num_layers))

    def forward(self, context: torch.Tensor, token: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for layer in self.layers:
            context, token = layer(context, token)
        return context, token

    def get_distribution_loss(self) -> torch.Tensor:
        """Mean of the layers' distribution losses (spec 004)."""
        return sum(layer.get_distribution_loss() for layer in self.layers) / len(self.layers)


class CVFPModel(nn.Module):
    """Token embedding, CVFP blocks (the recurrence F), and the next-token head of Phase 2."""

    def __init__(self, config: CVFPConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.embed_dim)
        nn.init.normal_(self.token_embedding.weight, mean=0.0, std=0.02)
        self.embed_norm = nn.LayerNorm(config.embed_dim)
        self.blocks = nn.ModuleList(CVFPBlock(n, config) for n in config.layer_structure)
        self.token_output = nn.Linear(config.context_dim, config.vocab_size)

    @property
    def layers(self) -> list[CVFPLayer]:
        """Every CVFPLayer, block by block."""
        return [layer for block in self.blocks for layer in block.layers]

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids `[...]` -> normalised embeddings `[..., embed_dim]`."""
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.config.vocab_size):
            raise UserError(
                f"token ids must lie in [0, {self.config.vocab_size}), got {int(ids.min())}..{int(ids.max())}"
            )
        return self.embed_norm(self.token_embedding(ids))

    def step(self, context: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
        """The recurrence F: c_t = F(c_{t-1}, e_t). context `[..., C]`, token `[..., E]` -> `[..., C]`."""
        for block in self.blocks:
            context, token = block(context, token)
        return context

    def initial_context(self, batch: int) -> torch.Tensor:
        """c_0 = 0, `[batch, context_dim]`."""
        return self.token_output.weight.new_zeros(batch, self.config.context_dim)

    def check_length(self, length: int) -> None:
        if length > self.config.max_seq_len:
            raise UserError(f"sequence of {length} tokens is longer than max_seq_len {self.config.max_seq_len}")

    def contexts(self, embeds: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        """The sequential loop of the spec: embeds `[B, T, E]`, c_0 `[B, C]` (default 0) -> `[B, T, C]`."""
        self.check_length(embeds.shape[1])
        context = self.initial_context(embeds.shape[0]) if context is None else context
        out = []
        for t in range(embeds.shape[1]):
            context = self.step(context, embeds[:, t])
            out.append(context)
        return torch.stack(out, dim=1)

    def forward(self, inputs: torch.Tensor, origins: torch.Tensor | None = None) -> LMOutput:
        """Next-token logits from the contexts of the window (c_0 = 0); inputs int64 `[B, T]`."""
        logits = self.token_output(self.contexts(self.embed(inputs)))
        return LMOutput(logits, logits.new_zeros(()))

    def get_distribution_loss(self) -> torch.Tensor:
        """Mean of the blocks' distribution losses (spec 004 `model.get_distribution_loss()`)."""
        return sum(block.get_distribution_loss() for block in self.blocks) / len(self.blocks)
