"""`residuals`: the one call a notebook needs to read a model's residual stream.

    residuals(lm, texts, targets=["bank", ...])          # at each text's target word  -> [n, layers, d]
    residuals(lm, texts, positions="last")               # at each text's last token   -> [n, layers, d]
    residuals(lm, texts, positions="all", layers=[6])    # at every token              -> per text [n_i, layers, d]

Layer index 0 is the input embedding and index l the output of block l - 1 (0..n_layers); `layers`
defaults to all of them. Every read goes through the one hook installer (`semphys.lm.hooks`):
`capture_residuals` for target words (sub-tokens pooled by `pooling`), `token_states` for every
token. Special tokens (BOS, [CLS], [SEP]) are left out of "last" and "all".
"""

from collections.abc import Sequence

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.lm.batching import check_layers
from semphys.lm.capture import Pooling, capture_residuals
from semphys.lm.models.loading import LM
from semphys.lm.sequence import token_states

POSITIONS = ("target", "last", "all")
"""Where `residuals` reads: at a target word, at the last token, at every token."""


def residuals(
    lm: LM,
    texts: Sequence[str],
    targets: Sequence[str] | None = None,
    positions: str = "target",
    layers: Sequence[int] | None = None,
    pooling: Pooling = "last",
) -> Tensor | list[Tensor]:
    """The residual stream of `texts` at `layers` (float32, on the CPU).

    positions "target" (needs one target word per text) and "last" give `[n_texts, len(layers), d_model]`;
    "all" gives, per text, `[n_tokens_i, len(layers), d_model]`.
    """
    if positions not in POSITIONS:
        raise UserError(f"unknown positions {positions!r}: choose one of {', '.join(POSITIONS)}")
    if positions == "target":
        if targets is None or len(targets) != len(texts):
            raise UserError(
                f"positions 'target' needs one target word per text: {len(texts)} texts, "
                f"{0 if targets is None else len(targets)} targets"
            )
        return capture_residuals(lm, texts, targets, layers, pooling).resid
    if targets is not None:
        raise UserError(f"targets are read only with positions 'target', not {positions!r}")
    layer_list = check_layers(layers, lm.facts.n_layers)
    per_layer = [token_states(lm, texts, layer).states for layer in layer_list]
    stacked = [torch.stack([states[i] for states in per_layer], dim=1) for i in range(len(texts))]
    if positions == "all":
        return stacked
    empty = [i for i, s in enumerate(stacked) if s.shape[0] == 0]
    if empty:
        raise UserError(f"text {empty[0]} has no token besides special tokens: give non-empty texts")
    return torch.stack([s[-1] for s in stacked])
