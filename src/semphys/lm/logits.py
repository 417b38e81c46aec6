"""A causal model's next-token distribution, step by step, and its log-probability of a text.

`next_token_distribution` (one forward pass) and `IncrementalDecoder` (a KV cache, for generation)
give the model's softmax over the whole vocabulary restricted to its `top_k` most probable tokens
and renormalised there (`NextTokens.probs`), together with the full log-softmax of every row's
chosen candidates, so that the model's own perplexity of a generated text needs no second pass.
`sequence_log_probs` scores a finished text in one pass (the check of the incremental numbers).

Only the last position's logits are computed during generation (`logits_to_keep=1`): the LM head
of Gemma-3-270M is 640 x 262,144 and dominates the cost of a step.
"""

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.lm.models.loading import LM


@dataclass
class NextTokens:
    """The top-k candidates for the next token of each row."""

    token_ids: Tensor
    """[b, k] int64, most probable first."""
    probs: Tensor
    """[b, k] float64: the model's probabilities renormalised over the k candidates (rows sum to 1)."""
    log_probs: Tensor
    """[b, k] float64: the candidates' log-probabilities under the full softmax (temperature 1)."""
    top_k_mass: Tensor
    """[b] float64: the probability mass the k candidates hold in the full softmax."""


def _check_causal(lm: LM) -> None:
    if not lm.facts.causal:
        raise UserError(
            f"model {lm.facts.spec!r} is an encoder ({lm.facts.architecture}); next-token "
            "distributions need a causal model such as `embedded`"
        )


def _top_k(logits: Tensor, top_k: int, banned: Tensor | None) -> NextTokens:
    """The top-k candidates among the tokens not banned, with their log-probabilities under the FULL softmax.

    Banned tokens are left out of the candidates after the log-softmax, not before: banning them first
    would renormalise the softmax over the rest and shift every log-probability by log(1 - p_banned)
    (0.0028 nats on the tiny test GPT-2, whose <|endoftext|> holds 1/360 of the mass).
    """
    log_softmax = torch.log_softmax(logits.to("cpu", torch.float64), dim=-1)
    if banned is not None and banned.numel():
        log_softmax = log_softmax.index_fill(-1, banned, float("-inf"))
    values, ids = log_softmax.topk(top_k, dim=-1)
    mass = values.exp().sum(dim=-1)
    return NextTokens(token_ids=ids, probs=torch.softmax(values, dim=-1), log_probs=values, top_k_mass=mass)


def _check_top_k(lm: LM, top_k: int) -> None:
    if not 2 <= top_k <= lm.facts.vocab_size:
        raise UserError(f"top_k = {top_k} is not allowed: give 2 <= top_k <= the vocabulary size {lm.facts.vocab_size}")


def banned_special_ids(lm: LM) -> Tensor:
    """Ids of the tokenizer's special tokens (BOS, EOS, PAD, ...): never proposed as a next token."""
    return torch.tensor(sorted(set(lm.tokenizer.all_special_ids)), dtype=torch.long)


def next_token_distribution(
    lm: LM, input_ids: "Tensor | Sequence[Sequence[int]]", top_k: int, ban_special: bool = True
) -> NextTokens:
    """Top-k next-token distribution after each row of `input_ids` [b, L] (equal lengths, no padding)."""
    _check_causal(lm)
    _check_top_k(lm, top_k)
    ids = torch.as_tensor(input_ids, dtype=torch.long)
    if ids.ndim != 2 or ids.shape[1] == 0:
        raise UserError(f"input_ids must be [batch, length] with length >= 1, got {list(ids.shape)}")
    with torch.inference_mode():
        logits = lm.model(input_ids=ids.to(lm.device), use_cache=False, logits_to_keep=1).logits[:, -1]
    return _top_k(logits, top_k, banned_special_ids(lm) if ban_special else None)


def sequence_log_probs(lm: LM, ids: "Tensor | Sequence[Sequence[int]]") -> Tensor:
    """log p(ids[:, t] | ids[:, :t]) for t = 1 .. L-1 under the full softmax: [b, L - 1] float64.

    Rows are scored one at a time (a [L, vocab] logit matrix each), so memory stays small.
    """
    _check_causal(lm)
    ids = torch.as_tensor(ids, dtype=torch.long)
    if ids.ndim != 2 or ids.shape[1] < 2:
        raise UserError(f"ids must be [batch, length] with length >= 2 to score, got {list(ids.shape)}")
    if not lm.facts.fits(ids.shape[1]):
        raise UserError(f"text of {ids.shape[1]} tokens is longer than the model's context of {lm.facts.max_positions}")
    rows = []
    with torch.inference_mode():
        for row in ids:
            logits = (
                lm.model(input_ids=row[None].to(lm.device), use_cache=False).logits[0, :-1].to("cpu", torch.float64)
            )
            rows.append(torch.log_softmax(logits, dim=-1).gather(-1, row[1:, None])[:, 0])
    return torch.stack(rows)


class IncrementalDecoder:
    """Batched generation from one prompt with a KV cache: every row shares the prompt, so no padding.

    `distribution(top_k)` gives the candidates for the next token of every row; `append(tokens)`
    feeds the chosen tokens [b] and advances the cache. `ids` is the full text so far [b, L].
    """

    def __init__(self, lm: LM, prompt: str, batch: int, ban_special: bool = True) -> None:
        _check_causal(lm)
        if batch < 1:
            raise UserError(f"batch = {batch}: generate at least one row")
        if not prompt.strip():
            raise UserError("empty prompt: give some text to continue")
        self.lm, self.batch = lm, batch
        prompt_ids = lm.tokenizer(prompt, return_tensors="pt").input_ids[0]
        if not lm.facts.fits(len(prompt_ids) + 1):
            raise UserError(
                f"prompt of {len(prompt_ids)} tokens does not fit the model's context of {lm.facts.max_positions}"
            )
        self.prompt_length = len(prompt_ids)
        self.ids = prompt_ids.repeat(batch, 1)
        self.banned = banned_special_ids(lm) if ban_special else None
        # transformers 5.2x renamed `past_key_values` to `cache` (the old name warns); older ones lack `cache`
        self._cache_kw = "cache" if "cache" in inspect.signature(lm.model.forward).parameters else "past_key_values"
        with torch.inference_mode():
            out = lm.model(input_ids=self.ids.to(lm.device), use_cache=True, logits_to_keep=1)
        self._cache = _cache_of(out)
        self._logits = out.logits[:, -1]

    def distribution(self, top_k: int) -> NextTokens:
        _check_top_k(self.lm, top_k)
        return _top_k(self._logits, top_k, self.banned)

    def logits(self) -> Tensor:
        """The next-token logits of every row over the whole vocabulary: [b, vocab] (the model's own, unbanned)."""
        return self._logits

    def append(self, tokens: Tensor) -> None:
        tokens = torch.as_tensor(tokens, dtype=torch.long).reshape(self.batch, 1)
        if not self.lm.facts.fits(self.ids.shape[1] + 1):
            raise UserError(f"the text reached the model's context of {self.lm.facts.max_positions} tokens")
        self.ids = torch.cat([self.ids, tokens], dim=1)
        with torch.inference_mode():
            out = self.lm.model(input_ids=tokens.to(self.lm.device), use_cache=True, **{self._cache_kw: self._cache})
        self._cache = _cache_of(out)
        self._logits = out.logits[:, -1]

    def generated(self) -> Tensor:
        """The generated tokens so far: [b, n_generated]."""
        return self.ids[:, self.prompt_length :]


def _cache_of(output) -> object:
    cache = output.get("cache") if hasattr(output, "get") else None
    return cache if cache is not None else output.past_key_values
