"""Per-architecture readers of the query/key weights: one table, one entry per HF `model_type`.

Every reader turns one block's attention into `QKWeights` (per-head `W_Q`, `W_K`, biases, scale and
QK-norm convention) read from the weights themselves: head counts and d_head come from the
projection shapes and the attention module, not from config names, so Falcon's multi-query layout
(1 key head whatever `num_kv_heads` says) and Phi-3's fused projection come out right.

Layouts (`Reader.layout`): how each one splits its projections into heads is
`semphys.lm.models.qk_layouts`. `QKWeights` and its algebra are `semphys.lm.models.qk_weights`.

QK-norm conventions (`Reader.qk_norm`): `gemma` RMS-normalises each head's vector and multiplies by
(1 + w); `head` (Qwen3) by w; `all_heads` (OLMo2) normalises the whole [H d_head] vector at once,
then multiplies by w. Rotary embeddings (and their partial form) are stated (`rotary_dims`), never
folded: the bilinear form is the one at relative distance 0.
"""

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from semphys.lm.models.architecture import UnsupportedModel
from semphys.lm.models.qk_layouts import LAYOUTS, separate
from semphys.lm.models.qk_weights import QKWeights, fold_qk_norm

NO_ATTENTION = frozenset({"mamba", "mamba2", "rwkv"})
"""State-space and recurrent models: capture works, W_Q/W_K do not exist."""


@dataclass(frozen=True)
class Reader:
    """How one architecture keeps its query/key projections (see the module docstring)."""

    name: str
    attention: tuple[str, ...]
    """Candidate paths of the attention module inside a block, first present wins."""
    layout: str
    projections: tuple[str, str] = ("q_proj", "k_proj")
    """Query and key Linear names under the `separate` layout."""
    qk_norm: str | None = None
    input_norm: tuple[str, ...] = ()
    """Candidate paths of the norm before attention in a block; () for post-norm blocks (BERT, OLMo2)."""
    norm_gain: str = "w"
    """How the input norm (and the QK-norm under `gemma`) applies its weight: `w` or `1+w`."""
    scale: str = "scaling"
    """Attribute of the attention module holding the softmax scale."""
    positions: str = "rotary"
    """`rotary`, `absolute` (learned or sinusoidal embeddings) or `relative` (T5 buckets: no length limit)."""
    source: str = ""


_LLAMA = dict(attention=("self_attn",), layout="separate", input_norm=("input_layernorm",))
_BERT = dict(attention=("attention.self",), layout="separate", projections=("query", "key"), positions="absolute")


READERS: dict[str, Reader] = {
    # models/gpt2/modeling_gpt2.py GPT2Attention: c_attn Conv1D [d, 3d] split into q, k, v; scaling attribute
    "gpt2": Reader("gpt2 c_attn", ("attn",), "gpt2_c_attn", input_norm=("ln_1",), positions="absolute"),
    # models/gpt_neox/modeling_gpt_neox.py GPTNeoXAttention: query_key_value viewed [.., H, 3 head_size], chunked
    "gpt_neox": Reader(
        "gpt_neox query_key_value (per head)", ("attention",), "neox_per_head", input_norm=("input_layernorm",)
    ),
    # models/llama/modeling_llama.py LlamaAttention: q_proj/k_proj Linear viewed [.., -1, head_dim]
    "llama": Reader("llama q_proj/k_proj", **_LLAMA),
    # models/mistral/modeling_mistral.py MistralAttention: as Llama, sliding window in the mask only
    "mistral": Reader("mistral q_proj/k_proj", **_LLAMA),
    # models/qwen2/modeling_qwen2.py Qwen2Attention: as Llama with q/k biases
    "qwen2": Reader("qwen2 q_proj/k_proj (+bias)", **_LLAMA),
    # models/qwen3/modeling_qwen3.py Qwen3Attention: q_norm/k_norm Qwen3RMSNorm(head_dim), gain w
    "qwen3": Reader("qwen3 q_proj/k_proj, QK-norm per head (w)", qk_norm="head", **_LLAMA),
    # models/gemma2/modeling_gemma2.py Gemma2Attention: scaling query_pre_attn_scalar^-0.5, logit softcap
    "gemma2": Reader("gemma2 q_proj/k_proj", norm_gain="1+w", **_LLAMA),
    # models/gemma3/modeling_gemma3.py Gemma3Attention: q_norm/k_norm Gemma3RMSNorm(head_dim), gain (1 + w)
    "gemma3_text": Reader("gemma3 q_proj/k_proj, QK-norm per head (1+w)", qk_norm="gemma", norm_gain="1+w", **_LLAMA),
    # models/phi3/modeling_phi3.py Phi3Attention: qkv_proj out [Q | K | V] with H and H_kv heads
    "phi3": Reader("phi3 qkv_proj", ("self_attn",), "phi3_qkv", input_norm=("input_layernorm",)),
    # models/opt/modeling_opt.py OPTAttention: q_proj output multiplied by scaling before attention(scaling=1.0)
    "opt": Reader(
        "opt q_proj/k_proj", ("self_attn",), "separate", input_norm=("self_attn_layer_norm",), positions="absolute"
    ),
    # models/falcon/modeling_falcon.py FalconAttention._split_heads: three fused layouts, inv_norm_factor
    "falcon": Reader(
        "falcon query_key_value",
        ("self_attention",),
        "falcon",
        input_norm=("ln_attn", "input_layernorm"),
        scale="inv_norm_factor",
    ),
    # models/olmo2/modeling_olmo2.py Olmo2Attention: q_norm/k_norm Olmo2RMSNorm(H head_dim) over all heads; post-norm
    "olmo2": Reader("olmo2 q_proj/k_proj, QK-norm over all heads (w)", ("self_attn",), "separate", qk_norm="all_heads"),
    # models/bert/modeling_bert.py BertSelfAttention: query/key Linear viewed [.., -1, attention_head_size]; post-norm
    "bert": Reader("bert query/key", **_BERT),
    # models/roberta/modeling_roberta.py RobertaSelfAttention: as BERT
    "roberta": Reader("roberta query/key", **_BERT),
    # models/distilbert/modeling_distilbert.py DistilBertSelfAttention: q_lin/k_lin Linear; post-norm
    "distilbert": Reader(
        "distilbert q_lin/k_lin", ("attention",), "separate", projections=("q_lin", "k_lin"), positions="absolute"
    ),
    # models/t5/modeling_t5.py T5Attention: q/k Linear without bias, scaling 1.0, relative position buckets
    "t5": Reader(
        "t5 q/k (encoder)",
        ("layer.0.SelfAttention",),
        "separate",
        projections=("q", "k"),
        input_norm=("layer.0.layer_norm",),
        positions="relative",
    ),
}


_SEPARATE_NAMES = (("q_proj", "k_proj"), ("query", "key"), ("q_lin", "k_lin"), ("q", "k"))
_HEAD_DIM_ATTRIBUTES = ("head_dim", "head_size", "attention_head_size", "key_value_proj_dim")


def has_attention(architecture: str) -> bool:
    return architecture not in NO_ATTENTION


def reader_for(architecture: str, block: nn.Module) -> Reader:
    """The table's reader, or a generic one for separate projections found by name; `UnsupportedModel` if none."""
    if not has_attention(architecture):
        raise UnsupportedModel(f"a {architecture!r} model is a state-space model: it has no attention, so no W_Q/W_K")
    if architecture in READERS:
        return READERS[architecture]
    for name, module in block.named_modules():
        children = dict(module.named_children())
        for q, k in _SEPARATE_NAMES:
            if isinstance(children.get(q), nn.Linear) and isinstance(children.get(k), nn.Linear):
                if "q_norm" in children or "k_norm" in children:
                    raise UnsupportedModel(
                        f"{architecture!r} has QK-norm with a gain convention semphys does not "
                        f"know; readers exist for {', '.join(READERS)}"
                    )
                return Reader(
                    f"generic {q}/{k} (not in the table: check it with `semphys lm check`)",
                    (name,),
                    "separate",
                    projections=(q, k),
                )
    raise UnsupportedModel(
        f"no W_Q/W_K reader for {architecture!r}: readers exist for {', '.join(READERS)}, and no "
        f"Linear pair {', '.join('/'.join(p) for p in _SEPARATE_NAMES)} was found in its blocks"
    )


def attention_module(reader: Reader, block: nn.Module) -> nn.Module:
    for path in reader.attention:
        module = block.get_submodule(path) if _has(block, path) else None
        if module is not None:
            return module
    raise UnsupportedModel(
        f"{reader.name}: no attention module at {', '.join(reader.attention)} in a {type(block).__name__}"
    )


def _has(module: nn.Module, path: str) -> bool:
    try:
        module.get_submodule(path)
    except AttributeError:
        return False
    return True


def _head_dim(attn: nn.Module) -> int:
    for name in _HEAD_DIM_ATTRIBUTES:
        value = getattr(attn, name, None)
        if isinstance(value, int) and value > 0:
            return value
    raise UnsupportedModel(f"cannot tell d_head of a {type(attn).__name__}: none of {', '.join(_HEAD_DIM_ATTRIBUTES)}")


def _norm_eps(norm: nn.Module) -> float:
    for name in ("eps", "variance_epsilon"):
        if isinstance(getattr(norm, name, None), float):
            return getattr(norm, name)
    raise UnsupportedModel(f"cannot tell the epsilon of a {type(norm).__name__}")


def _gain(norm: nn.Module, convention: str) -> Tensor:
    return 1.0 + norm.weight.float() if convention == "1+w" else norm.weight.float()


def rotary_dims(config, d_head: int, reader: Reader) -> int:
    """Dimensions per head that rotary embeddings rotate: d_head x partial_rotary_factor (0 without rotary)."""
    if reader.positions != "rotary" or getattr(config, "alibi", False):
        return 0
    params = getattr(config, "rope_parameters", None) or {}
    if params and all(isinstance(v, dict) for v in params.values()):  # per layer type (Gemma 3)
        params = next(iter(params.values()))
    factor = params.get("partial_rotary_factor", getattr(config, "partial_rotary_factor", 1.0)) or 1.0
    return int(d_head * factor)


def _notes(attn: nn.Module, config) -> str:
    notes = []
    if getattr(config, "attn_logit_softcapping", None):
        notes.append(f"attention logits soft-capped at {config.attn_logit_softcapping} (not in W_QK)")
    if getattr(attn, "sliding_window", None):
        notes.append(f"sliding window of {attn.sliding_window} tokens on this layer (mask only)")
    if getattr(config, "alibi", False):
        notes.append("ALiBi position bias (added to the logits, not in W_QK)")
    if getattr(config, "relative_attention_num_buckets", None):
        notes.append("relative position bias (added to the logits, not in W_QK)")
    return "; ".join(notes)


def read_qk(reader: Reader, block: nn.Module, layer: int, config, fold_qk_norm_gain: bool) -> QKWeights:
    """One block's query/key weights under `reader` (weights detached, on the model's device)."""
    attn = attention_module(reader, block)
    d_head = _head_dim(attn)
    layout = LAYOUTS.get(reader.layout) or separate(reader.projections)
    with torch.no_grad():
        w_q, w_k, b_q, b_k = (t if t is None else t.detach().float() for t in layout(attn, d_head))
        if w_k.shape[0] == 0 or w_q.shape[0] % w_k.shape[0]:
            raise UnsupportedModel(
                f"{reader.name} reads {w_q.shape[0]} query heads and {w_k.shape[0]} key heads "
                f"from a {type(attn).__name__}: query heads must be a multiple of key heads"
            )
        q_gain = k_gain = None
        span = eps = None
        if reader.qk_norm is not None:
            convention = "1+w" if reader.qk_norm == "gemma" else "w"
            q_gain, k_gain = _gain(attn.q_norm, convention), _gain(attn.k_norm, convention)
            span, eps = ("all_heads" if reader.qk_norm == "all_heads" else "head"), _norm_eps(attn.q_norm)
        weights = QKWeights(
            layer=layer,
            W_Q=w_q,
            W_K=w_k,
            b_Q=b_q,
            b_K=b_k,
            scale=float(getattr(attn, reader.scale)),
            qk_norm=reader.qk_norm is not None,
            rotary=rotary_dims(config, d_head, reader) > 0,
            qk_norm_span=span,
            qk_norm_eps=eps or 0.0,
            q_gain=q_gain,
            k_gain=k_gain,
            rotary_dims=rotary_dims(config, d_head, reader),
            reader=reader.name,
            notes=_notes(attn, config),
        )
        return fold_qk_norm(weights) if fold_qk_norm_gain and weights.qk_norm else weights


def input_norm(reader: Reader, block: nn.Module) -> nn.Module | None:
    """The norm before attention in a pre-norm block, or None (post-norm: BERT, OLMo2, OPT-350m)."""
    if getattr(block, "do_layer_norm_before", True) is False:  # OPT-350m normalises after attention
        return None
    for path in reader.input_norm:
        if _has(block, path):
            return block.get_submodule(path)
    return None


def heads_of(reader: Reader, block: nn.Module) -> tuple[int, int, int]:
    """(n_heads, n_kv_heads, d_head) of a block, from its weights."""
    attn = attention_module(reader, block)
    d_head = _head_dim(attn)
    layout = LAYOUTS.get(reader.layout) or separate(reader.projections)
    with torch.no_grad():
        w_q, w_k, _, _ = layout(attn, d_head)
    return w_q.shape[0], w_k.shape[0], d_head
