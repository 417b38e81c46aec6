"""Does semphys read this model correctly? Each reader against the model itself (`semphys lm check`).

In the spirit of NDIF's nnbench (per-model correctness cells against the plain HF model), every row
compares one semphys reader with what the model's own code computes, on the same input:

    capture = hidden states     `capture_residuals`, one prompt at a time, at every layer and every word
                                of the check texts, against the model's own unbatched
                                `output_hidden_states` (max relative difference)
    final norm                  `capture_residuals(final_norm=True)` at the last index against the body's
                                own `last_hidden_state`
    padded batch = unbatched    the same capture batched with right padding against one prompt at a time
    token states                `token_states` against `output_hidden_states` at a few layers
    queries / keys              `qk_weights` applied to random attention inputs against the q and k the
                                attention module itself computes from them (read inside its attention
                                call; one token per sequence, so rotary embeddings rotate by 0)
    next-token distribution     `next_token_distribution` against the log-softmax of the model's logits
    incremental = full forward  `IncrementalDecoder` (KV cache) against one full forward over the same
                                tokens: max log-probability difference, and top-1 agreement

Tolerances (float32). A reader that is right differs from the model only by float32 rounding in a
different summation order: about sqrt(d) u per matmul (u = 6e-8 the unit roundoff), a few 1e-6
relative through a deep model; a reader that is wrong (a wrong head split, a wrong position id, a pad
token leaking into a real one) is off by O(1). `CheckConfig` holds each bound, between the two.

Every row is an `evidence.Claim` of kind `check`: the measured difference as its value, the tolerance
as its threshold (source `semphys`, better `lower`: it holds when the difference is below it), decided
by `evidence.decide`; the command's document and text are `semphys.experiments.lm.check`. Rows
that do not apply (no attention in Mamba; no next token in an encoder) have no value and read `n/a`,
with why. A reader that cannot read the model at all is scored as the zero
reading (relative difference 1) and fails.
"""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from transformers import AttentionInterface

from semphys.core.threads import torch_threads
from semphys.evidence import Claim, decide
from semphys.lm.attention import qk_weights, reader_of
from semphys.lm.capture import capture_residuals
from semphys.lm.hooks import hooked
from semphys.lm.logits import IncrementalDecoder, next_token_distribution
from semphys.lm.models.architecture import UnsupportedModel
from semphys.lm.models.loading import LM
from semphys.lm.models.readers import QKWeights, attention_module, has_attention
from semphys.lm.sequence import token_states
from semphys.lm.targets import locate_target

CHECK_TEXTS = (
    "I sat by the river bank and watched the water.",
    "She deposited her savings at the bank before noon, then walked home.",
    "The bat hung upside down.",
)
PROBE_KEY = "semphys_probe"


@dataclass(frozen=True)
class CheckConfig:
    """Inputs and bounds of the check (see the module docstring for the bounds' reasoning)."""

    texts: tuple[str, ...] = CHECK_TEXTS
    """Texts whose every word is a capture target."""
    prompt: str = "The river bank"
    """Prompt the incremental decoder continues."""
    decode_steps: int = 4
    """Tokens decoded greedily and compared with the full forward."""
    top_k: int = 5
    """Candidates compared per decoding step."""
    n_random: int = 16
    """Random attention inputs per layer for the query/key rows."""
    seed: int = 0
    threads: int | None = None
    """torch threads for the check (None: torch's default; 1 is fastest for tiny models on a loaded machine)."""
    capture_tolerance: float = 1e-5
    """Capture against the model's own unbatched hidden states: the same arithmetic, so about 0."""
    batch_tolerance: float = 1e-4
    """Padded batch against unbatched: a different matmul shape and an attention mask."""
    qk_tolerance: float = 1e-4
    """Queries and keys from qk_weights against the module's own."""
    logprob_tolerance: float = 1e-3
    """Incremental against full forward log-probabilities (nats): a KV cache and a 1-token matmul."""


@dataclass
class CheckReport:
    """One model's check: its facts and layout, and one decided `Claim` (kind `check`) per comparison."""

    model: str
    facts: dict
    layout: dict
    claims: list[Claim] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no claim failed (claims that do not apply do not fail)."""
        return all(claim.holds is not False for claim in self.claims)


def _check_claim(name: str, key: str, value: float | None, tolerance: float, detail: str) -> Claim:
    """One comparison as a `check` claim: it holds when `value` (a difference) is below `tolerance`.

    value None: the comparison does not apply to this model (`n/a`; `detail` says why)."""
    return Claim(
        name,
        "check",
        value=None if value is None else float(value),
        better="lower",
        threshold=tolerance,
        threshold_source="semphys",
        key=key,
        detail=detail,
    )


ZERO_READING = 1.0
"""Relative difference of a reader that reads nothing (the zero vector) from any non-zero truth: the value
of a row whose reader refused the model."""


def _relative(a: Tensor, b: Tensor) -> float:
    """||a - b|| / ||b|| over the last axis, the worst row."""
    a, b = a.double(), b.double()
    return float(((a - b).norm(dim=-1) / b.norm(dim=-1).clamp_min(1e-30)).max())


def check_model(lm: LM, config: CheckConfig = CheckConfig()) -> CheckReport:
    """Every row of the module docstring for a loaded model."""
    with torch_threads(config.threads):
        claims = _capture_rows(lm, config) + _qk_rows(lm, config) + _logit_rows(lm, config)
    return CheckReport(
        model=lm.facts.spec, facts=lm.facts.to_dict(), layout=lm.layout.describe(), claims=decide(claims)
    )


# ---- capture ------------------------------------------------------------------------------------


def _word_requests(texts: tuple[str, ...]) -> tuple[list[str], list[str], list[int]]:
    """Every word of every text as a (prompt, target, occurrence) request."""
    prompts, targets, occurrences = [], [], []
    for text in texts:
        seen: dict[str, int] = {}
        for word in re.findall(r"\w+", text):
            prompts.append(text)
            targets.append(word)
            occurrences.append(seen.get(word, 0))
            seen[word] = seen.get(word, 0) + 1
    return prompts, targets, occurrences


def _capture_all(lm: LM, prompts, targets, occurrences, final_norm: bool, batch_tokens: int) -> Tensor:
    """[n_requests, n_layers + 1, d_model]: one capture per occurrence index (capture takes one for all)."""
    out = torch.empty(len(prompts), lm.facts.n_layers + 1, lm.facts.d_model)
    for occurrence in sorted(set(occurrences)):
        chosen = [i for i, o in enumerate(occurrences) if o == occurrence]
        result = capture_residuals(
            lm,
            [prompts[i] for i in chosen],
            [targets[i] for i in chosen],
            final_norm=final_norm,
            batch_tokens=batch_tokens,
            occurrence=occurrence,
            progress=False,
        )
        out[chosen] = result.resid
    return out


HIDDEN_STATES_AFTER_BLOCKS = frozenset({"mamba"})
"""Models whose `output_hidden_states` lists each block's output and then the normed one, without the
embeddings (models/mamba/modeling_mamba.py MambaModel.forward): semphys's index l >= 1 is their l - 1."""


@dataclass
class _Reference:
    """The model's own unbatched forward over one text."""

    by_index: list[Tensor | None]
    """[L, d_model] per semphys layer index 0..n_layers; None where the model reports no raw stream (the last
    index, when its hidden states end with the normed one)."""
    last: Tensor
    """last_hidden_state [L, d_model]."""
    ids: list[int]


def _reference(lm: LM, text: str) -> _Reference:
    ids = lm.tokenizer(text, add_special_tokens=True)["input_ids"]
    tensor = torch.tensor([ids], device=lm.device)
    with torch.inference_mode():
        out = lm.body(input_ids=tensor, output_hidden_states=True, use_cache=False)
        embedded = lm.body.get_input_embeddings()(tensor)[0].float().cpu()
    hidden = [h[0].float().cpu() for h in out.hidden_states]
    last = out.last_hidden_state[0].float().cpu()
    n = lm.facts.n_layers
    if lm.facts.architecture in HIDDEN_STATES_AFTER_BLOCKS:
        by_index = [embedded, *hidden[: n - 1], None]
    else:
        by_index = hidden[:n] + [
            None if lm.layout.final_norm is not None and torch.equal(hidden[n], last) else hidden[n]
        ]
    return _Reference(by_index, last, ids)


def _capture_rows(lm: LM, config: CheckConfig) -> list[Claim]:
    prompts, targets, occurrences = _word_requests(config.texts)
    unbatched = _capture_all(lm, prompts, targets, occurrences, final_norm=False, batch_tokens=1)
    normed = _capture_all(lm, prompts, targets, occurrences, final_norm=True, batch_tokens=1)
    batched = _capture_all(lm, prompts, targets, occurrences, final_norm=False, batch_tokens=4096)
    n = lm.facts.n_layers
    references = {text: _reference(lm, text) for text in config.texts}
    layer_error, norm_error, compared = 0.0, 0.0, set()
    for i, (prompt, word, occurrence) in enumerate(zip(prompts, targets, occurrences)):
        reference = references[prompt]
        position = locate_target(lm.tokenizer, prompt, word, occurrence).token_positions[-1]
        for layer, expected in enumerate(reference.by_index):
            if expected is not None:
                layer_error = max(layer_error, _relative(unbatched[i, layer], expected[position]))
                compared.add(layer)
        norm_error = max(norm_error, _relative(normed[i, n], reference.last[position]))
    where = f"layers {min(compared)}..{max(compared)}" + ("" if n in compared else f"; index {n} in the next row")
    shifted = (
        " (the model lists hidden states from block 0's output)"
        if (lm.facts.architecture in HIDDEN_STATES_AFTER_BLOCKS)
        else ""
    )
    rows = [
        _check_claim(
            "capture = hidden states",
            "capture",
            layer_error,
            config.capture_tolerance,
            f"max relative difference, {len(prompts)} words x {where}, one prompt at a time{shifted}",
        ),
        _check_claim(
            "final norm = last_hidden_state",
            "final_norm",
            norm_error,
            config.capture_tolerance,
            f"max relative difference at index {n} with final norm "
            f"{lm.layout.final_norm_path or 'none (the last block output is the output)'}",
        ),
        _check_claim(
            "padded batch = unbatched",
            "padded_batch",
            _relative(batched, unbatched),
            config.batch_tolerance,
            f"max relative difference, {len(prompts)} words in length buckets with right padding",
        ),
    ]
    rows.append(_token_state_row(lm, config, references))
    return rows


def _token_state_row(lm: LM, config: CheckConfig, references: dict) -> Claim:
    n = lm.facts.n_layers
    layers = sorted({0, n // 2, n - 1})
    error = 0.0
    for layer in layers:
        states = token_states(lm, list(config.texts), layer, progress=False)
        for text, got, kept_ids in zip(config.texts, states.states, states.input_ids):
            reference = references[text]
            positions = _kept_positions(reference.ids, kept_ids, lm)
            error = max(error, _relative(got, reference.by_index[layer][positions]))
    return _check_claim(
        "token states = hidden states",
        "token_states",
        error,
        config.batch_tolerance,
        f"max relative difference, every token of {len(config.texts)} texts, batched, at layers {', '.join(map(str, layers))}",
    )


def _kept_positions(ids: list[int], kept_ids: tuple[int, ...], lm: LM) -> list[int]:
    special = set(lm.tokenizer.all_special_ids)
    positions = [i for i, token in enumerate(ids) if token not in special]
    if [ids[i] for i in positions] != list(kept_ids):
        raise AssertionError("token_states returned other tokens than the tokenizer gives")  # a semphys bug
    return positions


# ---- queries and keys ---------------------------------------------------------------------------


class _Stop(Exception):
    """Raised once the attention module's queries and keys are read: nothing after them is needed."""


def _attention_inputs(attn: nn.Module, x: Tensor) -> AbstractContextManager[None]:
    """Replace the attention module's input hidden states with `x` [B, 1, d_model] during one forward."""

    def replace(module, args, kwargs):
        if args:
            return (x, *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": x}

    return hooked([(attn, "pre_kwargs", replace)])


def _probe(lm: LM, attn: nn.Module, x: Tensor) -> tuple[Tensor, Tensor, float]:
    """The module's own (queries [B, H, d_head], keys [B, H or H_kv, d_head], softmax scale) for inputs x."""
    record: dict = {}
    ids = torch.ones(x.shape[0], 1, dtype=torch.long, device=lm.device)
    hooks: list = []
    restore: Callable[[], None] = lambda: None
    if hasattr(attn, "_split_heads") and hasattr(attn, "query_key_value"):  # Falcon: no attention interface

        def fused(module, args, output):
            query, key, _ = attn._split_heads(output)  # [B, L, heads, d_head], the module's own split
            record.update(q=query[:, 0], k=key[:, 0], scale=attn.head_dim**-0.5)  # scores /= sqrt(head_dim)
            raise _Stop

        hooks.append((attn.query_key_value, "post", fused))
    else:

        def probe(module, query, key, value, attention_mask, scaling=None, **kwargs):
            if module is not attn:  # an earlier layer: its output does not matter, the target's input is replaced
                return value.new_zeros(query.shape[0], query.shape[2], query.shape[1], value.shape[-1]), None
            record.update(
                q=query[:, :, 0], k=key[:, :, 0], scale=query.shape[-1] ** -0.5 if scaling is None else scaling
            )
            raise _Stop

        AttentionInterface.register(PROBE_KEY, probe)
        previous = attn.config._attn_implementation
        attn.config._attn_implementation = PROBE_KEY

        def restore() -> None:
            attn.config._attn_implementation = previous

    try:
        with hooked(hooks), _attention_inputs(attn, x), torch.inference_mode():
            lm.body(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False)
    except _Stop:
        pass
    finally:
        restore()
    if "q" not in record:
        raise UnsupportedModel(f"the attention of a {type(attn).__name__} never reached its attention call")
    return record["q"].float().cpu(), record["k"].float().cpu(), float(record["scale"])


def qk_errors(lm: LM, layer: int, weights: QKWeights, x: Tensor) -> tuple[float, float]:
    """Max relative differences (scaled queries, keys) between `weights` and the module itself on inputs x [B, d]."""
    attn = attention_module(reader_of(lm), lm.layout.blocks[layer])
    own_q, own_k, own_scale = _probe(lm, attn, x[:, None].to(lm.device, lm.model.dtype))
    ours_q = weights.queries(x) * weights.scale
    ours_k = weights.keys(x)
    if own_q.shape != ours_q.shape or own_k.shape[2] != ours_k.shape[2]:
        raise UnsupportedModel(
            f"{weights.reader} gives queries {list(ours_q.shape)} where the module computes "
            f"{list(own_q.shape)} at layer {layer}"
        )
    if own_k.shape[1] != ours_k.shape[1]:  # keys broadcast to every query head (Falcon's new architecture)
        ours_k = ours_k[:, [weights.kv_head(h) for h in range(weights.n_heads)]]
    return _relative(ours_q, own_q * own_scale), _relative(ours_k, own_k)


def _qk_rows(lm: LM, config: CheckConfig) -> list[Claim]:
    names = (("W_Q = module queries (x scale)", "queries"), ("W_K = module keys", "keys"))
    if not has_attention(lm.facts.architecture):
        return [
            _check_claim(
                name, key, None, config.qk_tolerance, f"{lm.facts.architecture} has no attention: qk_weights refuses it"
            )
            for name, key in names
        ]
    generator = torch.Generator().manual_seed(config.seed)
    q_error = k_error = 0.0
    try:
        for layer in range(lm.facts.n_layers):
            weights = qk_weights(lm, layer, fold_qk_norm_gain=False)
            x = torch.randn(config.n_random, lm.facts.d_model, generator=generator)
            q, k = qk_errors(lm, layer, weights, x)
            q_error, k_error = max(q_error, q), max(k_error, k)
    except UnsupportedModel as err:  # a reader that cannot read this model fails its rows, with why
        return [
            _check_claim(
                name,
                key,
                ZERO_READING,
                config.qk_tolerance,
                f"the reader refused the model, scored as the zero reading: {err}",
            )
            for name, key in names
        ]
    detail = (
        f"max relative difference, {config.n_random} random inputs x {lm.facts.n_layers} layers, {lm.facts.n_heads} query / "
        f"{lm.facts.n_kv_heads} key heads of {lm.facts.d_head}"
    )
    return [
        _check_claim(*names[0], q_error, config.qk_tolerance, detail),
        _check_claim(*names[1], k_error, config.qk_tolerance, detail),
    ]


# ---- next-token log-probabilities ---------------------------------------------------------------

TOP1_TOLERANCE = 1.0
"""Greedy steps whose top-1 token may differ between incremental and full forward: fewer than one."""


def _logit_rows(lm: LM, config: CheckConfig) -> list[Claim]:
    names = (
        ("next-token distribution = logits", "next_token", config.logprob_tolerance),
        ("incremental = full forward", "incremental", config.logprob_tolerance),
        ("incremental top-1 = full top-1", "incremental_top1", TOP1_TOLERANCE),
    )
    if not lm.facts.causal:
        return [
            _check_claim(name, key, None, tolerance, "an encoder has no next-token distribution (refused by design)")
            for name, key, tolerance in names
        ]
    ids = lm.tokenizer(config.prompt, return_tensors="pt").input_ids
    result = next_token_distribution(lm, ids, top_k=config.top_k, ban_special=False)
    own = _full_log_probs(lm, ids)[-1]
    direct = float((result.log_probs[0] - own[result.token_ids[0]]).abs().max())
    same_order = bool(torch.equal(result.token_ids[0], own.topk(config.top_k).indices))
    decoder = IncrementalDecoder(lm, config.prompt, batch=1, ban_special=False)
    steps = []
    for _ in range(config.decode_steps):
        candidates = decoder.distribution(config.top_k)
        steps.append(candidates)
        decoder.append(candidates.token_ids[:, 0])
    full = _full_log_probs(lm, decoder.ids)[decoder.prompt_length - 1 : -1]
    difference, agree = 0.0, 0
    for step, candidates in zip(full, steps):
        ours = candidates.token_ids[0]
        difference = max(difference, float((candidates.log_probs[0] - step[ours]).abs().max()))
        gap = float(step.max() - step[ours[0]])
        agree += gap <= config.logprob_tolerance  # the same top-1, or a tie within float error
    differ = config.decode_steps - agree
    return [
        _check_claim(
            names[0][0],
            names[0][1],
            direct,
            config.logprob_tolerance,
            f"max |log-probability difference| (nats), top-{config.top_k} after {ids.shape[1]} prompt tokens"
            + ("" if same_order else "; the order differs"),
        ),
        _check_claim(
            names[1][0],
            names[1][1],
            difference,
            config.logprob_tolerance,
            f"max |log-probability difference| (nats), {config.decode_steps} greedy steps with the KV cache, "
            f"top-{config.top_k}",
        ),
        _check_claim(
            names[2][0],
            names[2][1],
            differ,
            TOP1_TOLERANCE,
            f"greedy steps whose top-1 differs: {differ} of "
            f"{config.decode_steps} (a tie within {config.logprob_tolerance} nats agrees)",
        ),
    ]


def _full_log_probs(lm: LM, ids: Tensor) -> Tensor:
    """log-softmax of the model's logits over one unbatched forward: [L, vocab] float64."""
    with torch.inference_mode():
        logits = lm.model(input_ids=ids.to(lm.device), use_cache=False).logits[0]
    return torch.log_softmax(logits.to("cpu", torch.float64), dim=-1)
