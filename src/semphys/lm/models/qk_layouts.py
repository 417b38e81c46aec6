"""How each projection layout splits into per-head `W_Q`, `W_K` and their biases: one function per
fused layout (`LAYOUTS`), `separate` for two Linear layers; every one returns (W_Q, W_K, b_Q, b_K) from the
attention module and d_head, as [heads, d_model, d_head] and [heads, d_head].

Layouts (`Reader.layout`), as transformers 5.24's modeling code splits them:
    separate      two Linear layers (q_proj/k_proj, query/key, q_lin/k_lin, q/k), viewed [.., -1, d_head]
    gpt2_c_attn   Conv1D weight [d_model, 3 d_model] = [Q | K | V], input-major
    phi3_qkv      Linear out = [Q (H d_head) | K (H_kv d_head) | V (H_kv d_head)]
    neox_per_head Linear out viewed [.., H, 3 d_head], each head's [q | k | v] side by side
    falcon        new_decoder_architecture: viewed [.., H_kv, H / H_kv + 2, d_head] (queries, then k, v);
                  multi_query: [.., H + 2, d_head]; neither: [.., H, 3, d_head]
"""

from collections.abc import Callable

from torch import Tensor, nn


def _split_heads(weight: Tensor, d_head: int) -> Tensor:
    """[d_model, n * d_head] (input-major) -> [n, d_model, d_head]."""
    return weight.reshape(weight.shape[0], -1, d_head).permute(1, 0, 2).contiguous()


def _split_bias(bias: Tensor | None, d_head: int) -> Tensor | None:
    return None if bias is None else bias.reshape(-1, d_head).clone()


# Each layout returns (W_Q, W_K, b_Q, b_K) from the attention module and d_head.
_Layout = Callable[[nn.Module, int], tuple[Tensor, Tensor, Tensor | None, Tensor | None]]


def separate(names: tuple[str, str]) -> _Layout:
    def read(attn: nn.Module, d_head: int):
        q, k = getattr(attn, names[0]), getattr(attn, names[1])
        return (
            _split_heads(q.weight.T, d_head),
            _split_heads(k.weight.T, d_head),
            _split_bias(q.bias, d_head),
            _split_bias(k.bias, d_head),
        )

    return read


def _gpt2_c_attn(attn: nn.Module, d_head: int):
    weight, bias = attn.c_attn.weight, attn.c_attn.bias  # Conv1D: [d_model, 3 d_model], [3 d_model]
    width = weight.shape[1] // 3
    return (
        _split_heads(weight[:, :width], d_head),
        _split_heads(weight[:, width : 2 * width], d_head),
        _split_bias(bias[:width], d_head),
        _split_bias(bias[width : 2 * width], d_head),
    )


def _phi3_qkv(attn: nn.Module, d_head: int):
    n_heads = attn.o_proj.in_features // d_head
    n_kv = (attn.qkv_proj.out_features // d_head - n_heads) // 2
    weight, bias = attn.qkv_proj.weight.T, attn.qkv_proj.bias
    q_end, k_end = n_heads * d_head, (n_heads + n_kv) * d_head
    return (
        _split_heads(weight[:, :q_end], d_head),
        _split_heads(weight[:, q_end:k_end], d_head),
        None if bias is None else _split_bias(bias[:q_end], d_head),
        None if bias is None else _split_bias(bias[q_end:k_end], d_head),
    )


def _neox_per_head(attn: nn.Module, d_head: int):
    fused = attn.query_key_value
    weight = fused.weight.T.reshape(fused.in_features, -1, 3, d_head)  # per head [q | k | v]
    bias = None if fused.bias is None else fused.bias.reshape(-1, 3, d_head)
    return (
        weight[:, :, 0].permute(1, 0, 2).contiguous(),
        weight[:, :, 1].permute(1, 0, 2).contiguous(),
        None if bias is None else bias[:, 0].clone(),
        None if bias is None else bias[:, 1].clone(),
    )


def _falcon(attn: nn.Module, d_head: int):
    fused = attn.query_key_value
    n_heads = attn.dense.in_features // d_head
    weight = fused.weight.T  # [d_model, out]
    bias = fused.bias
    if attn.new_decoder_architecture:  # [n_kv, H / n_kv + 2, d_head]: the group's queries, then its k and v
        n_kv = (fused.out_features // d_head - n_heads) // 2
        grouped = weight.reshape(weight.shape[0], n_kv, n_heads // n_kv + 2, d_head)
        w_q = grouped[:, :, :-2].reshape(weight.shape[0], n_heads, d_head)
        w_k = grouped[:, :, -2]
        b = None if bias is None else bias.reshape(n_kv, n_heads // n_kv + 2, d_head)
        b_q = None if b is None else b[:, :-2].reshape(n_heads, d_head).clone()
        b_k = None if b is None else b[:, -2].clone()
    elif attn.multi_query:  # [H + 2, d_head]: H queries, one key, one value
        grouped = weight.reshape(weight.shape[0], n_heads + 2, d_head)
        w_q, w_k = grouped[:, :n_heads], grouped[:, n_heads : n_heads + 1]
        b = None if bias is None else bias.reshape(n_heads + 2, d_head)
        b_q = None if b is None else b[:n_heads].clone()
        b_k = None if b is None else b[n_heads : n_heads + 1].clone()
    else:  # [H, 3, d_head]
        grouped = weight.reshape(weight.shape[0], n_heads, 3, d_head)
        w_q, w_k = grouped[:, :, 0], grouped[:, :, 1]
        b = None if bias is None else bias.reshape(n_heads, 3, d_head)
        b_q = None if b is None else b[:, 0].clone()
        b_k = None if b is None else b[:, 1].clone()
    return w_q.permute(1, 0, 2).contiguous(), w_k.permute(1, 0, 2).contiguous(), b_q, b_k


LAYOUTS: dict[str, _Layout] = {
    "gpt2_c_attn": _gpt2_c_attn,
    "phi3_qkv": _phi3_qkv,
    "neox_per_head": _neox_per_head,
    "falcon": _falcon,
}
