"""Every token's residual stream at one layer, for a batch of texts (windows of a token stream).

`capture_residuals` reads one target word per prompt; subsystems that treat a text as a sequence of
token vectors (spec 002's input buffer X in R^{L x d}) need all of its tokens. This module reuses the
capture machinery: length buckets with right padding (`semphys.lm.batching`), the residual-stream hook
of `semphys.lm.hooks` at the layer, and a forward pass that stops right after that block.

Layer index convention as in `semphys.lm.capture`: 0 is the input of block 0 (the embeddings), l >= 1
the output of block l - 1 (the raw residual stream; no final norm is applied).

Special tokens the tokenizer adds (Gemma's `<bos>`, BERT's `[CLS]`/`[SEP]`) are run through the model,
since they shape the other tokens' states, but are not returned: their states are outliers (Gemma's
`<bos>` is an attention sink with massive activations) and they carry no text.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from tqdm.auto import tqdm

from semphys.core.errors import UserError
from semphys.lm.batching import check_layers, length_batches, progress_disabled
from semphys.lm.hooks import hooked, residual_hooks, run_body
from semphys.lm.models.loading import LM


@dataclass
class TokenStates:
    """Per text, the residual stream of each of its (non-special) tokens at one layer."""

    states: list[Tensor]
    """Per text `[n_tokens_i, d_model]` float32 on the CPU, in the order the texts were given (n_tokens_i may be 0)."""
    input_ids: list[tuple[int, ...]]
    """Per text, the ids of the returned tokens (special tokens left out)."""
    offsets: list[tuple[tuple[int, int], ...]]
    """Per text, the character span `[start, end)` of each returned token in its text."""
    layer: int


def token_states(
    lm: LM,
    texts: Sequence[str],
    layer: int,
    batch_tokens: int = 4096,
    progress: bool | None = None,
) -> TokenStates:
    """Residual stream of every token of every text at `layer` (0..n_layers).

    Texts are tokenized with the model's special tokens; a text longer than the model's context is a
    `UserError` (split it first). Batched by length (right padding, so positions equal the unbatched
    ones); the forward pass stops after block `layer - 1`.

    Returns:
        `TokenStates` with `states[i]: [n_tokens_i, d_model]`.
    """
    if not texts:
        raise UserError("empty text list: give at least one text")
    (layer,) = check_layers([layer], lm.facts.n_layers)
    encoded = [
        lm.tokenizer(text, add_special_tokens=True, return_special_tokens_mask=True, return_offsets_mapping=True)
        for text in texts
    ]
    for text, enc in zip(texts, encoded):
        if not lm.facts.fits(len(enc["input_ids"])):
            raise UserError(
                f"text {text[:60]!r}... has {len(enc['input_ids'])} tokens; "
                f"{lm.facts.spec} takes at most {lm.facts.max_positions}"
            )
    lengths = [len(enc["input_ids"]) for enc in encoded]
    keep = [[i for i, special in enumerate(enc["special_tokens_mask"]) if not special] for enc in encoded]
    states = [torch.empty(0, lm.facts.d_model) for _ in texts]  # texts without any token keep these
    runnable = [i for i, n in enumerate(lengths) if n > 0]
    pad_id = lm.tokenizer.pad_token_id if lm.tokenizer.pad_token_id is not None else 0
    batches = [[runnable[j] for j in batch] for batch in length_batches([lengths[i] for i in runnable], batch_tokens)]
    batches = [batch for batch in batches if batch]
    captured: dict[int, Tensor] = {}
    hooks = residual_hooks(lm.layout.blocks, [layer], lambda _, hidden: captured.update({layer: hidden.float().cpu()}))
    with hooked(hooks):
        for indices in tqdm(
            batches, desc="token states", unit="batch", disable=progress_disabled(progress, len(batches))
        ):
            width = max(lengths[i] for i in indices)
            input_ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
            attention_mask = torch.zeros((len(indices), width), dtype=torch.long)
            for row, index in enumerate(indices):
                input_ids[row, : lengths[index]] = torch.tensor(encoded[index]["input_ids"])
                attention_mask[row, : lengths[index]] = 1
            run_body(lm.body, input_ids=input_ids.to(lm.device), attention_mask=attention_mask.to(lm.device))
            for row, index in enumerate(indices):
                states[index] = captured[layer][row, keep[index]].clone()
    return TokenStates(
        states=states,
        input_ids=[tuple(enc["input_ids"][i] for i in kept) for enc, kept in zip(encoded, keep)],
        offsets=[tuple(tuple(enc["offset_mapping"][i]) for i in kept) for enc, kept in zip(encoded, keep)],
        layer=layer,
    )
