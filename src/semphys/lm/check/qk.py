"""The query/key rows of `semphys lm check`: `qk_weights` applied to random attention inputs against the
queries and keys the attention module itself computes from them, read inside its attention call (`_probe`).
"""

from collections.abc import Callable
from contextlib import AbstractContextManager

import torch
from torch import Tensor, nn
from transformers import AttentionInterface

from semphys.evidence import Claim
from semphys.lm.attention import qk_weights, reader_of
from semphys.lm.check.rows import ZERO_READING, CheckConfig, check_claim, relative_difference
from semphys.lm.hooks import hooked
from semphys.lm.models.architecture import UnsupportedModel
from semphys.lm.models.loading import LM
from semphys.lm.models.qk_weights import QKWeights
from semphys.lm.models.readers import attention_module, has_attention

PROBE_KEY = "semphys_probe"


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
    return relative_difference(ours_q, own_q * own_scale), relative_difference(ours_k, own_k)


def qk_rows(lm: LM, config: CheckConfig) -> list[Claim]:
    names = (("W_Q = module queries (x scale)", "queries"), ("W_K = module keys", "keys"))
    if not has_attention(lm.facts.architecture):
        return [
            check_claim(
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
            check_claim(
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
        check_claim(*names[0], q_error, config.qk_tolerance, detail),
        check_claim(*names[1], k_error, config.qk_tolerance, detail),
    ]
