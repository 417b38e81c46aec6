"""The measurements that exposed spec 004's collapse, as functions of a model and a token stream.

Spec 004 "問題分析フェーズ":
- **identity mapping** (`identity_cosine`): cosine between the input context c_{t-1} and the output
  c_t = F(c_{t-1}, e_t) over a pass; the collapsed model had 0.9741 +- 0.0159 (0.9947 at 20%
  LayerNorm). Near 1: F(c, e) ~ c, the token barely moves the context.
- **token dependency** (`token_dependency` -> `TokenDependency`): outputs F(c, e_k) for several
  tokens k from the same contexts c, two quantities with two names:
  `token_cos_distance` = 1 - the mean cosine between outputs of different tokens (the spec's own
  measure: 99.9% alike, i.e. 0.001), and `token_variance_share` = the share of the output variance
  that the token explains: the variance across tokens within a context, averaged over contexts,
  divided by the total variance over all (context, token) pairs (0: the output ignores the token;
  1: it ignores the context). Beside them: the cosine with the input context (spec: 99.7%) and the
  relative L2 distance (spec: 0.06 at norm 4). `collapsed` uses the variance share.
- **converged ratio per iteration** (`converged_ratios`): the spec's Phase 1 passes with fixed
  weights, the context carried from pass to pass; share of tokens whose context MSE between
  consecutive passes is below the threshold.
- **context diversity / effective rank** (`context_spread`): mean distance of the contexts from
  their centroid, and the effective rank exp(H(sigma / sum sigma)) of the centred contexts (Roy &
  Vetterli 2007), with sigma their singular values.
- **running statistics** (`running_statistics`): every layer's EMA buffers and distribution loss.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from semphys.cvfp.model import CVFPModel
from semphys.cvfp.parallel import frozen_running_stats, parallel_contexts
from semphys.cvfp.stage1 import converged_ratio

IDENTITY_COLLAPSE = 0.9
"""identity_cos above this marks an identity map (the spec's collapsed model: 0.974)."""
TOKEN_COLLAPSE = 0.05
"""token_variance_share below this marks outputs that (nearly) ignore the token."""


@dataclass(frozen=True)
class TokenDependency:
    """How much F(c, e) depends on the token e, from the same contexts c."""

    variance_share: float
    """Share of the output variance explained by the token (0 = ignores it)."""
    output_cos: float
    """Mean cosine between outputs for different tokens from the same context (spec: 0.999)."""
    input_cos: float
    """Mean cosine between an output and its input context (spec: 0.997)."""
    relative_distance: float
    """Mean L2 distance between outputs for different tokens / mean output norm (spec: 0.06 / 4)."""
    n_contexts: int
    tokens: tuple[int, ...]

    @property
    def cos_distance(self) -> float:
        """`token_cos_distance`: 1 - `output_cos` (the spec's measure; 0 = every token gives the same output)."""
        return 1.0 - self.output_cos


def identity_cosine(contexts: torch.Tensor, c0: torch.Tensor) -> tuple[float, float]:
    """Mean and std of cos(c_{t-1}, c_t) over t. contexts `[T, C]`, c0 `[C]` (skipped when zero)."""
    inputs = torch.cat([c0[None], contexts[:-1]])
    keep = inputs.norm(dim=-1) > 0
    cos = F.cosine_similarity(inputs[keep], contexts[keep], dim=-1)
    return float(cos.mean()), float(cos.std()) if cos.numel() > 1 else 0.0


def sample_tokens(stream: torch.Tensor, k: int, seed: int = 0) -> torch.Tensor:
    """`k` distinct token ids drawn from the positions of `stream` (so frequent tokens come first)."""
    rng = np.random.default_rng(seed)
    ids = stream.numpy()[rng.permutation(stream.numel())]
    _, first = np.unique(ids, return_index=True)
    return torch.from_numpy(ids[np.sort(first)[:k]].astype(np.int64))


@torch.no_grad()
def token_dependency(model: CVFPModel, contexts: torch.Tensor, tokens: torch.Tensor) -> TokenDependency:
    """Outputs F(c_n, e_k) for every context `[N, C]` and token id `[K]` (K >= 2); see module docstring."""
    n, k = contexts.shape[0], tokens.numel()
    embeds = model.embed(tokens)
    with frozen_running_stats(model):
        outputs = model.step(contexts[:, None].expand(n, k, -1), embeds[None].expand(n, k, -1))  # [N, K, C]
    within = outputs.var(dim=1, unbiased=False).sum(dim=-1).mean()
    total = outputs.reshape(n * k, -1).var(dim=0, unbiased=False).sum()
    unit = F.normalize(outputs, dim=-1)
    gram = unit @ unit.transpose(1, 2)  # [N, K, K]
    off = ~torch.eye(k, dtype=torch.bool)
    distances = torch.cdist(outputs, outputs)[:, off].mean()
    return TokenDependency(
        variance_share=float(within / total) if total > 0 else 0.0,
        output_cos=float(gram[:, off].mean()),
        input_cos=float(F.cosine_similarity(outputs, contexts[:, None], dim=-1).mean()),
        relative_distance=float(distances / outputs.norm(dim=-1).mean()),
        n_contexts=n,
        tokens=tuple(int(t) for t in tokens),
    )


@torch.no_grad()
def converged_ratios(
    model: CVFPModel, embeds: torch.Tensor, passes: int = 10, threshold: float = 0.02
) -> tuple[list[float], torch.Tensor, torch.Tensor]:
    """Converged ratio of passes 2..`passes` with fixed weights (context carried between passes).

    embeds `[1, T, E]`. Each pass is computed by the parallel solver. Returns the ratios, the
    contexts of the last pass `[1, T, C]` and the context it started from `[1, C]`.
    """
    start = model.initial_context(1)
    previous, _ = parallel_contexts(model, embeds, start)
    ratios = []
    for _ in range(passes - 1):
        start = previous[:, -1]
        current, _ = parallel_contexts(model, embeds, start)
        ratios.append(converged_ratio(current, previous, threshold))
        previous = current
    return ratios, previous, start


def context_spread(contexts: torch.Tensor) -> tuple[float, float]:
    """(diversity, effective rank) of contexts `[N, C]`: mean distance to the centroid, exp(H(sigma))."""
    centred = contexts - contexts.mean(dim=0)
    diversity = float(centred.norm(dim=-1).mean())
    sigma = torch.linalg.svdvals(centred.double())
    if float(sigma.sum()) == 0.0:
        return diversity, 0.0
    p = sigma / sigma.sum()
    p = p[p > 0]
    return diversity, float(math.exp(float(-(p * p.log()).sum())))


def running_statistics(model: CVFPModel) -> list[dict[str, float]]:
    """Per layer (block by block): mean |running_mean|, mean running_var, distribution loss, updates."""
    rows = []
    for b, block in enumerate(model.blocks):
        for i, layer in enumerate(block.layers):
            rows.append(
                {
                    "block": b,
                    "layer": i,
                    "mean_abs_running_mean": float(layer.running_mean.abs().mean()),
                    "mean_running_var": float(layer.running_var.mean()),
                    "distribution_loss": float(layer.get_distribution_loss()),
                    "batches_tracked": int(layer.num_batches_tracked),
                }
            )
    return rows


@dataclass(frozen=True)
class Diagnostics:
    """Every spec 004 diagnostic of one model on one stream."""

    identity_cos: float
    identity_cos_std: float
    token: TokenDependency
    converged_ratios: list[float]
    context_diversity: float
    effective_rank: float
    running_stats: list[dict[str, float]]
    n_tokens: int

    @property
    def collapsed(self) -> bool:
        """Identity map (identity_cos > `IDENTITY_COLLAPSE`) or token-blind outputs (token_variance_share <
        `TOKEN_COLLAPSE`)."""
        return self.identity_cos > IDENTITY_COLLAPSE or self.token.variance_share < TOKEN_COLLAPSE

    def to_dict(self) -> dict:
        out = asdict(self)
        out["token"]["cos_distance"] = self.token.cos_distance
        out["token_cos_distance"] = self.token.cos_distance
        out["token_variance_share"] = self.token.variance_share
        out["collapsed"] = self.collapsed
        return out


@torch.no_grad()
def diagnose(
    model: CVFPModel,
    token_ids: torch.Tensor,
    passes: int = 10,
    threshold: float = 0.02,
    n_contexts: int = 256,
    n_tokens: int = 16,
    seed: int = 0,
) -> Diagnostics:
    """All diagnostics on the stream `token_ids` (int64 `[T]`), model weights fixed, stats untouched."""
    embeds = model.embed(token_ids)[None]
    ratios, contexts, start = converged_ratios(model, embeds, passes, threshold)
    contexts = contexts[0]
    mean, std = identity_cosine(contexts, start[0])
    rng = np.random.default_rng(seed)
    rows = torch.from_numpy(rng.choice(contexts.shape[0], size=min(n_contexts, contexts.shape[0]), replace=False))
    dependency = token_dependency(model, contexts[rows], sample_tokens(token_ids, n_tokens, seed))
    diversity, rank = context_spread(contexts)
    return Diagnostics(
        mean, std, dependency, ratios, diversity, rank, running_statistics(model), int(token_ids.numel())
    )
