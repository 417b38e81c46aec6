"""Attention patterns: each head's softmax weights over the tokens of a text, from the model's own code.

The model runs its eager attention (`output_attentions=True` needs it) for the call and goes back to
its previous implementation afterwards. Texts run one at a time, without padding, special tokens
included (Gemma's `<bos>` and BERT's `[CLS]` are where attention sinks sit); each token's character
span comes with it, so callers can group tokens into words.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.lm.models.architecture import UnsupportedModel
from semphys.lm.models.loading import LM
from semphys.lm.models.readers import has_attention


@dataclass
class AttentionPatterns:
    """Attention weights of the asked layers for each text."""

    patterns: list[Tensor]
    """Per text `[len(layers), n_heads, L, L]` float32 on the CPU: row i is query token i's weights over keys."""
    input_ids: list[tuple[int, ...]]
    offsets: list[tuple[tuple[int, int], ...]]
    """Per text, each token's character span `[start, end)` (`(0, 0)` for special tokens)."""
    layers: tuple[int, ...]


@contextmanager
def eager_attention(lm: LM) -> Iterator[None]:
    """Switch the model to its eager attention for the block, then back."""
    previous = lm.model.config._attn_implementation
    _set_attention(lm, "eager")
    try:
        yield
    finally:
        _set_attention(lm, previous)


def _set_attention(lm: LM, implementation: str) -> None:
    """Falcon refuses `set_attn_implementation` but reads its config at every call: set that directly."""
    if lm.model.config._attn_implementation == implementation:
        return
    if lm.model._can_set_attn_implementation():
        lm.model.set_attn_implementation(implementation)
    else:
        lm.model.config._attn_implementation = implementation


def attention_patterns(lm: LM, texts: Sequence[str], layers: Sequence[int] | None = None) -> AttentionPatterns:
    """Attention weights of blocks `layers` (0-based; default all) for each text."""
    if not has_attention(lm.facts.architecture):
        raise UserError(f"model {lm.facts.spec!r} ({lm.facts.architecture}) has no attention to read patterns from")
    if not texts:
        raise UserError("empty text list: give at least one text")
    chosen = tuple(range(lm.facts.n_layers)) if layers is None else tuple(layers)
    if not chosen or any(not 0 <= layer < lm.facts.n_layers for layer in chosen):
        raise UserError(f"layers {list(chosen)} out of range: blocks run from 0 to {lm.facts.n_layers - 1}")
    patterns, ids, offsets = [], [], []
    with eager_attention(lm), torch.inference_mode():
        for text in texts:
            encoding = lm.tokenizer(text, add_special_tokens=True, return_offsets_mapping=True)
            if not lm.facts.fits(len(encoding["input_ids"])):
                raise UserError(
                    f"text {text[:60]!r} has {len(encoding['input_ids'])} tokens; "
                    f"{lm.facts.spec} takes at most {lm.facts.max_positions}"
                )
            tensor = torch.tensor([encoding["input_ids"]], device=lm.device)
            out = lm.body(
                input_ids=tensor, attention_mask=torch.ones_like(tensor), output_attentions=True, use_cache=False
            )
            pattern = torch.stack([out.attentions[layer][0].float().cpu() for layer in chosen])
            if lm.facts.causal and pattern.triu(1).abs().max() > 0:
                raise UnsupportedModel(
                    f"the attention weights a {type(lm.model).__name__} returns reach later "
                    "tokens although the model is causal: semphys will not report them"
                )
            patterns.append(pattern)
            ids.append(tuple(encoding["input_ids"]))
            offsets.append(tuple(tuple(span) for span in encoding["offset_mapping"]))
    return AttentionPatterns(patterns=patterns, input_ids=ids, offsets=offsets, layers=chosen)
