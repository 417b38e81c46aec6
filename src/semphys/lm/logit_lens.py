"""Reading a causal model's vocabulary out of residual states: the final residuals and the LM head in slices.

`semphys langevin measure` (spec 000 §4.2, §4.5) needs next-token distributions over the whole vocabulary (262,144 entries for Gemma-3-270M)
for many states, and must never hold them per token. `logit_chunks` applies the model's own final
norm and unembedding (with Gemma's final logit soft-capping, as its forward does) to a batch of
residual states and yields the logits one vocabulary slice at a time, so callers reduce them on the
fly (`semphys.langevin.measure.vocab`). Applied to an intermediate layer's residual it is the logit
lens (nostalgebraist 2020).

`residuals_at` returns the raw residual stream after the given blocks for every position (the hooks of
`semphys.lm.hooks`; no final norm, no head; the pass stops after the deepest), `final_residuals` the
last block's: the layer-index-`n_layers` state of `semphys.lm.capture`.
"""

from collections.abc import Iterator

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.lm.hooks import hooked, residual_hooks, run_body
from semphys.lm.models.loading import LM

VOCAB_CHUNK = 32768
"""Vocabulary entries per slice: 32 rows x 32,768 float32 logits = 4 MiB."""


def _check_head(lm: LM) -> torch.nn.Module:
    head = lm.model.get_output_embeddings() if lm.facts.causal else None
    if head is None:
        raise UserError(
            f"model {lm.facts.spec!r} ({lm.facts.architecture}) has no LM head: next-token "
            "distributions need a causal model such as `embedded`"
        )
    return head


def residuals_at(lm: LM, input_ids: Tensor, layers: "list[int]") -> dict[int, Tensor]:
    """The raw residual stream at `layers` (1..n_layers: the output of block l - 1) for every position:
    {layer: [b, L, d_model] float32} for input_ids [b, L] (no padding)."""
    if not layers or any(not 1 <= layer <= lm.facts.n_layers for layer in layers):
        raise UserError(f"layers {list(layers)} out of range: give block outputs 1..{lm.facts.n_layers}")
    captured: dict[int, Tensor] = {}
    hooks = residual_hooks(
        lm.layout.blocks, layers, lambda layer, hidden: captured.update({layer: hidden.float().cpu()})
    )
    with hooked(hooks):
        run_body(lm.body, input_ids=torch.as_tensor(input_ids, dtype=torch.long).to(lm.device))
    return captured


def final_residuals(lm: LM, input_ids: Tensor) -> Tensor:
    """The raw residual stream after the last block, [b, L, d_model] float32, for input_ids [b, L] (no padding)."""
    return residuals_at(lm, input_ids, [lm.facts.n_layers])[lm.facts.n_layers]


def logit_chunks(lm: LM, residual: Tensor, chunk: int = VOCAB_CHUNK) -> Iterator[Tensor]:
    """Logits of residual states [n, d_model] through the final norm and the LM head: [n, chunk] slices, float32."""
    head = _check_head(lm)
    softcap = getattr(lm.model.config, "final_logit_softcapping", None)
    # the inference-mode context is entered per slice and left before each yield: a context held across
    # yields leaks into the caller, and two interleaved generators (zip) restore each other's state in
    # the wrong order, leaving inference mode on for the rest of the process
    with torch.inference_mode():
        states = residual.to(lm.device, head.weight.dtype)
        if lm.layout.final_norm is not None:
            states = lm.layout.final_norm(states)
    bias = getattr(head, "bias", None)
    for start in range(0, head.weight.shape[0], chunk):
        with torch.inference_mode():
            logits = states @ head.weight[start : start + chunk].T
            if bias is not None:
                logits = logits + bias[start : start + chunk]
            if softcap is not None:
                logits = torch.tanh(logits / softcap) * softcap
            logits = logits.float().cpu().clone()
        yield logits
