"""What the comparison measures about routing, from the validation windows.

Per MoE layer, over every validation token:

- **load**: share of the N k expert assignments (before capacity) each expert receives; its
  coefficient of variation std/mean (0 = perfectly balanced) and its entropy divided by log E
  (1 = perfectly balanced);
- **dropped**: share of assignments capacity dropped;
- **MI(origin; expert)**: plug-in mutual information in bits between a token's origin label and
  its first-choice expert, from the joint counts; the plug-in estimate is biased upwards by about
  (n_origins - 1)(E - 1) / (2 N ln 2), so the same estimate with the origins permuted **between
  documents** (`null_shuffles` times; every token of a document keeps its document's label, so the
  null keeps the clustering of tokens within documents: a router that sends one document's tokens
  to one expert for its words alone is not counted as reading the origin) is reported beside it
  (`mi_null_draws`, their mean `mi_null_bits`), and `mi_excess` = MI - mean null MI;
- **weak-stimulus sensitivity** (spec 003 §4.3, "弱刺激への過敏な共鳴"): the share of tokens whose set of
  top-k experts changes when one input token of the window is replaced by a random token (at the
  changed position, and at the later positions that can see it), or when every origin label of the
  window is changed to another one. A router that reads no origin has origin sensitivity 0 by
  construction; the comparison reports it anyway.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch

from semphys.evidence import permute_by_document
from semphys.routing.moe import RoutingStats
from semphys.textlm.batches import Batch


@dataclass(frozen=True)
class LayerRouting:
    """Routing figures of one MoE layer on the validation windows."""

    load: list[float]
    load_cv: float
    load_entropy: float
    dropped: float
    mi_bits: float
    mi_null_bits: float
    mi_excess: float
    origin_expert: list[list[int]]
    """Counts `[n_origins][n_experts]` of (origin, first-choice expert)."""
    mi_null_draws: list[float]
    """MI of each null draw (origins permuted between documents); the same permutations in every layer of a
    model, so draw j's mean over layers is a draw of the layer-mean MI's null."""


def load_statistics(experts: torch.Tensor, n_experts: int) -> tuple[list[float], float, float]:
    """(load shares, coefficient of variation, normalised entropy) of the assignments `experts` `[N, k]`."""
    load = torch.bincount(experts.reshape(-1), minlength=n_experts).double() / experts.numel()
    cv = float(load.std(unbiased=False) / load.mean())
    nonzero = load[load > 0]
    entropy = float(-(nonzero * nonzero.log()).sum() / math.log(n_experts)) if n_experts > 1 else 1.0
    return load.tolist(), cv, entropy


def mutual_information(labels: np.ndarray, experts: np.ndarray, n_labels: int, n_experts: int) -> float:
    """Plug-in MI in bits between two integer arrays `[N]`."""
    joint = np.zeros((n_labels, n_experts))
    np.add.at(joint, (labels, experts), 1.0)
    joint /= joint.sum()
    outer = joint.sum(axis=1, keepdims=True) @ joint.sum(axis=0, keepdims=True)
    mask = joint > 0
    return float((joint[mask] * np.log2(joint[mask] / outer[mask])).sum())


def document_ids(inputs: torch.Tensor, eos_id: int) -> np.ndarray:
    """Document index of each token of a stream `[N]` (in stream order): the number of end-of-document
    tokens before it (an end-of-document token belongs to the document it ends, as in
    `semphys.textlm.data.shuffle_origins`)."""
    ends = (inputs.reshape(-1) == eos_id).numpy()
    return np.concatenate([[0], np.cumsum(ends)[:-1]]).astype(np.int64)


def layer_routing(
    stats: list[RoutingStats],
    origins: torch.Tensor,
    n_origins: int,
    n_experts: int,
    null_shuffles: int = 20,
    seed: int = 0,
    documents: np.ndarray | None = None,
) -> LayerRouting:
    """Aggregate one layer's `RoutingStats` over batches; origins int64 `[N]` in the same token order.

    documents: [N] the document of each token (`document_ids`); the MI null permutes whole documents'
    origins. None: every token is its own document (tokens independent)."""
    experts = torch.cat([s.experts for s in stats])
    kept = torch.cat([s.kept for s in stats])
    load, cv, entropy = load_statistics(experts, n_experts)
    first = experts[:, 0].numpy()
    labels = origins.numpy()
    documents = np.arange(labels.size) if documents is None else np.asarray(documents)
    mi = mutual_information(labels, first, n_origins, n_experts)
    rng = np.random.default_rng(seed)
    draws = [
        mutual_information(permute_by_document(labels, documents, rng), first, n_origins, n_experts)
        for _ in range(null_shuffles)
    ]
    null = float(np.mean(draws))
    counts = np.zeros((n_origins, n_experts), dtype=np.int64)
    np.add.at(counts, (labels, first), 1)
    return LayerRouting(
        load,
        cv,
        entropy,
        float((~kept).float().mean()),
        mi,
        null,
        mi - null,
        counts.tolist(),
        [float(d) for d in draws],
    )


@torch.no_grad()
def routing_decisions(model: torch.nn.Module, windows: Batch, batch_size: int = 64) -> list[list[RoutingStats]]:
    """Per MoE layer, the `RoutingStats` of every batch of `windows` (token order = windows flattened)."""
    was_training = model.training
    model.eval()
    per_layer: list[list[RoutingStats]] = []
    try:
        for start in range(0, len(windows), batch_size):
            part = windows.rows(start, start + batch_size)
            stats = [s for s in model(part.inputs, part.origins).layer_stats if isinstance(s, RoutingStats)]
            per_layer = per_layer or [[] for _ in stats]
            for layer, s in zip(per_layer, stats):
                layer.append(s)
    finally:
        model.train(was_training)
    return per_layer


def _topk_sets(model: torch.nn.Module, inputs: torch.Tensor, origins: torch.Tensor) -> list[torch.Tensor]:
    """Per MoE layer, the sorted top-k experts of every token, `[B, T, k]`."""
    out = model(inputs, origins)
    b, t = inputs.shape
    return [s.experts.sort(dim=-1).values.view(b, t, -1) for s in out.layer_stats if isinstance(s, RoutingStats)]


@torch.no_grad()
def sensitivity(
    model: torch.nn.Module, windows: Batch, vocab_size: int, n_origins: int, seed: int = 0
) -> dict[str, float]:
    """Weak-stimulus sensitivity, averaged over MoE layers and windows (see the module docstring).

    Returns `token_at` (changed position), `token_after` (later positions), `origin` (all positions).
    Capacity is computed per call, so a perturbed batch is routed under the same capacity as the original.
    """
    was_training = model.training
    model.eval()
    rng = np.random.default_rng(seed)
    b, t = windows.inputs.shape
    try:
        base = _topk_sets(model, windows.inputs, windows.origins)
        if not base:
            return {"token_at": 0.0, "token_after": 0.0, "origin": 0.0}
        position = torch.from_numpy(rng.integers(0, t - 1, size=b))
        shift = torch.from_numpy(rng.integers(1, vocab_size, size=b))
        inputs = windows.inputs.clone()
        rows = torch.arange(b)
        inputs[rows, position] = (inputs[rows, position] + shift) % vocab_size
        token = _topk_sets(model, inputs, windows.origins)
        origin_shift = torch.from_numpy(rng.integers(1, n_origins, size=(b, 1)))
        origin = _topk_sets(model, windows.inputs, (windows.origins + origin_shift) % n_origins)
    finally:
        model.train(was_training)
    at = torch.zeros(b, t, dtype=torch.bool)
    at[rows, position] = True
    after = torch.arange(t)[None, :] > position[:, None]
    changed_token = torch.stack([(x != y).any(dim=-1) for x, y in zip(base, token)]).float()  # [L, B, T]
    changed_origin = torch.stack([(x != y).any(dim=-1) for x, y in zip(base, origin)]).float()
    return {
        "token_at": float(changed_token[:, at].mean()),
        "token_after": float(changed_token[:, after].mean()),
        "origin": float(changed_origin.mean()),
    }
