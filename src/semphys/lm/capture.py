"""Residual-stream capture at target words: only the layers and positions asked for.

Layer index convention (as HF `output_hidden_states` and TransformerLens `resid_pre`/`resid_post`):
index 0 is the input of block 0 (the embeddings, for Gemma already scaled by sqrt(d_model); for
GPT-2 token + position embeddings), index l >= 1 is the output of block l - 1. With
`final_norm=True` the last index has the model's final norm applied, as HF's last hidden state does
(Gemma `norm`, GPT-2 `ln_f`); by default it is the raw residual stream, as TransformerLens's last
`resid_post` (and spec 001's code) reads it.

How it stays cheap (what a plain `output_hidden_states=True` forward does not do):
- the body runs without the LM head, under `torch.inference_mode`;
- forward hooks on the blocks copy out only the target tokens' rows, and only at the requested
  layers; the forward pass stops right after the deepest requested layer;
- in a causal model the tokens after the target cannot influence it, so they are not run;
- prompts are sorted by length and batched in buckets of similar length under a padded-token
  budget (`semphys.lm.batching`), so padding is small;
  right padding keeps every real token's position id equal to its unbatched one.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor
from tqdm.auto import tqdm

from semphys.core.errors import UserError
from semphys.lm.batching import check_layers, length_batches, progress_disabled
from semphys.lm.hooks import hooked, residual_hooks, run_body
from semphys.lm.loading import LM
from semphys.lm.targets import TargetSpan, check_pairs, locate_target

Pooling = Literal["last", "first", "mean"]
POOLINGS: tuple[str, ...] = ("last", "first", "mean")
"""How the sub-tokens of a multi-token target word pool into one vector (`capture_residuals`'s `pooling`)."""


@dataclass
class Capture:
    """Residual-stream vectors at target words."""

    resid: Tensor
    """[n_prompts, len(layers), d_model], float32, in the order the prompts were given."""
    layers: tuple[int, ...]
    targets: list[TargetSpan]
    pooling: str
    final_norm: bool


@dataclass
class _Batch:
    prompt_index: Tensor  # [n_batch] which prompts these are (on the CPU, like `resid`)
    rows: Tensor  # [n_selected] batch row of each selected token (this and the rest: on the model's device)
    cols: Tensor  # [n_selected] position of each selected token
    segment: Tensor  # [n_selected] which prompt of the batch each token pools into
    counts: Tensor  # [n_batch, 1] tokens pooled per prompt


def capture_residuals(
    lm: LM,
    prompts: Sequence[str],
    targets: Sequence[str],
    layers: Sequence[int] | None = None,
    pooling: Pooling = "last",
    final_norm: bool = False,
    batch_tokens: int = 4096,
    occurrence: int = 0,
    progress: bool | None = None,
) -> Capture:
    """Residual stream at the target word of each prompt.

    Args:
        prompts: the texts to run.
        targets: one target word per prompt, located by character span (`locate_target`).
        layers: indices in 0..n_layers (default all, `n_layers + 1` of them).
        pooling: which sub-tokens of a multi-token word: `last` (default: in a causal model the last
            sub-token is the first to have seen the whole word), `first`, or `mean`.
        final_norm: apply the model's final norm at index n_layers (see module docstring).
        batch_tokens: budget of padded tokens per forward pass.
        progress: show a progress bar (None: when several batches run and stderr is a terminal).

    Returns:
        `Capture` with `resid: [n_prompts, len(layers), d_model]`.
    """
    spans = _locate_all(lm, prompts, targets, occurrence)
    layer_list = check_layers(layers, lm.facts.n_layers)
    if pooling not in POOLINGS:
        raise UserError(f"unknown pooling {pooling!r}: choose one of {', '.join(POOLINGS)}")
    resid = torch.empty(len(spans), len(layer_list), lm.facts.d_model, dtype=torch.float32)
    lengths = [_tokens_needed(span, lm.facts.causal) for span in spans]
    batches = length_batches(lengths, batch_tokens)
    norm = lm.layout.final_norm if final_norm else None
    recorder = _Recorder(resid, layer_list, pooling, norm, lm.facts.n_layers)
    with hooked(residual_hooks(lm.layout.blocks, layer_list, recorder.record)):
        for indices in tqdm(batches, desc="capture", unit="batch", disable=progress_disabled(progress, len(batches))):
            _forward(lm, spans, lengths, indices, recorder)
    return Capture(resid=resid, layers=tuple(layer_list), targets=spans, pooling=pooling, final_norm=final_norm)


def _locate_all(lm: LM, prompts: Sequence[str], targets: Sequence[str], occurrence: int) -> list[TargetSpan]:
    check_pairs(prompts, targets, occurrence)
    spans = [locate_target(lm.tokenizer, prompt, word, occurrence) for prompt, word in zip(prompts, targets)]
    for span in spans:
        if not lm.facts.fits(span.n_tokens):
            raise UserError(
                f"prompt {span.prompt[:60]!r}... has {span.n_tokens} tokens; "
                f"{lm.facts.spec} takes at most {lm.facts.max_positions}"
            )
    return spans


def _tokens_needed(span: TargetSpan, causal: bool) -> int:
    """How much of the prompt must run: in a causal model nothing after the target can reach it."""
    return span.token_positions[-1] + 1 if causal else span.n_tokens


def _forward(lm: LM, spans: list[TargetSpan], lengths: list[int], indices: list[int], recorder: "_Recorder") -> None:
    """One padded forward pass of the body over the first `lengths[i]` tokens of the prompts `indices`."""
    width = max(lengths[i] for i in indices)
    pad_id = lm.tokenizer.pad_token_id if lm.tokenizer.pad_token_id is not None else 0
    input_ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(indices), width), dtype=torch.long)
    rows, cols, segment, counts = [], [], [], []
    for row, index in enumerate(indices):
        span = spans[index]
        input_ids[row, : lengths[index]] = torch.tensor(span.input_ids[: lengths[index]])
        attention_mask[row, : lengths[index]] = 1
        chosen = _pool_positions(span.token_positions, recorder.pooling)
        rows += [row] * len(chosen)
        cols += chosen
        segment += [row] * len(chosen)
        counts.append(len(chosen))
    device = lm.device
    recorder.batch = _Batch(
        prompt_index=torch.tensor(indices),
        rows=torch.tensor(rows, device=device),
        cols=torch.tensor(cols, device=device),
        segment=torch.tensor(segment, device=device),
        counts=torch.tensor(counts, dtype=torch.float32, device=device).unsqueeze(1),
    )
    run_body(lm.body, input_ids=input_ids.to(device), attention_mask=attention_mask.to(device))


def _pool_positions(positions: tuple[int, ...], pooling: str) -> list[int]:
    if pooling == "last":
        return [positions[-1]]
    if pooling == "first":
        return [positions[0]]
    return list(positions)


class _Recorder:
    """Copies the selected rows of the residual stream into `resid` (read by `residual_hooks`)."""

    def __init__(self, resid: Tensor, layers: list[int], pooling: str, norm: torch.nn.Module | None, n_layers: int):
        self.resid = resid
        self.slot = {layer: slot for slot, layer in enumerate(layers)}
        self.pooling = pooling
        self.norm = norm
        self.n_layers = n_layers
        self.batch: _Batch | None = None

    def record(self, layer: int, hidden: Tensor) -> None:
        """hidden: [batch, seq, d_model]."""
        batch = self.batch
        selected = hidden[batch.rows, batch.cols].float()
        if layer == self.n_layers and self.norm is not None:
            selected = self.norm(selected)
        if self.pooling == "mean":
            pooled = torch.zeros(len(batch.prompt_index), selected.shape[-1], device=selected.device)
            selected = pooled.index_add_(0, batch.segment, selected) / batch.counts
        self.resid[batch.prompt_index, self.slot[layer]] = selected.cpu()
