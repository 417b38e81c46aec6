"""Tiny random models of every architecture `semphys.lm` reads, built from transformers configs.

Each is 3 layers, d_model 64, 4 query heads (2 key/value heads where the architecture has grouped
KV heads), saved with `save_pretrained` beside a tiny byte-level BPE tokenizer (`tiny_bpe` in
tests/conftest.py), so `load_lm(directory)` reads it exactly as it would read a hub model a user
brings. The names are the architecture table of docs/models.md.
"""

from collections.abc import Callable
from pathlib import Path

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerFast

D_MODEL, N_LAYERS, N_HEADS, N_KV, D_FF, POSITIONS = 64, 3, 4, 2, 128, 128


def _decoder(**extra) -> dict:
    """Keyword arguments shared by the Llama-style decoder configs."""
    return dict(
        hidden_size=D_MODEL,
        intermediate_size=D_FF,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=N_HEADS,
        num_key_value_heads=N_KV,
        max_position_embeddings=POSITIONS,
        **extra,
    )


def _gpt2(vocab: int) -> PreTrainedModel:
    from transformers import GPT2Config, GPT2LMHeadModel

    return GPT2LMHeadModel(
        GPT2Config(n_layer=N_LAYERS, n_embd=D_MODEL, n_head=N_HEADS, n_positions=POSITIONS, vocab_size=vocab)
    )


def _gpt_neox(vocab: int) -> PreTrainedModel:
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

    # partial rotary (the default rotary_pct 0.25), per-head interleaved query_key_value
    return GPTNeoXForCausalLM(
        GPTNeoXConfig(
            hidden_size=D_MODEL,
            intermediate_size=D_FF,
            num_hidden_layers=N_LAYERS,
            num_attention_heads=N_HEADS,
            max_position_embeddings=POSITIONS,
            vocab_size=vocab,
        )
    )


def _llama(vocab: int) -> PreTrainedModel:
    from transformers import LlamaConfig, LlamaForCausalLM

    return LlamaForCausalLM(LlamaConfig(**_decoder(vocab_size=vocab)))


def _mistral(vocab: int) -> PreTrainedModel:
    from transformers import MistralConfig, MistralForCausalLM

    return MistralForCausalLM(MistralConfig(**_decoder(vocab_size=vocab, sliding_window=8)))


def _qwen2(vocab: int) -> PreTrainedModel:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    return Qwen2ForCausalLM(Qwen2Config(**_decoder(vocab_size=vocab)))  # q/k biases


def _qwen3(vocab: int) -> PreTrainedModel:
    from transformers import Qwen3Config, Qwen3ForCausalLM

    return Qwen3ForCausalLM(Qwen3Config(**_decoder(vocab_size=vocab, head_dim=16)))  # per-head QK-norm, gain w


def _gemma2(vocab: int) -> PreTrainedModel:
    from transformers import Gemma2Config, Gemma2ForCausalLM

    return Gemma2ForCausalLM(
        Gemma2Config(**_decoder(vocab_size=vocab, head_dim=16, query_pre_attn_scalar=16, sliding_window=8))
    )


def _gemma3_text_config(vocab: int):
    from transformers import Gemma3TextConfig

    return Gemma3TextConfig(**_decoder(vocab_size=vocab, head_dim=16, query_pre_attn_scalar=16, sliding_window=8))


def _gemma3_text(vocab: int) -> PreTrainedModel:
    from transformers import Gemma3ForCausalLM

    return Gemma3ForCausalLM(_gemma3_text_config(vocab))


def _gemma3(vocab: int) -> PreTrainedModel:
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, SiglipVisionConfig

    # The vision tower also has 3 layers: a ModuleList of the text's layer count that is not the text's blocks.
    vision = SiglipVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=N_LAYERS,
        num_attention_heads=2,
        image_size=28,
        patch_size=14,
    )
    return Gemma3ForConditionalGeneration(
        Gemma3Config(
            text_config=_gemma3_text_config(vocab).to_dict(), vision_config=vision.to_dict(), mm_tokens_per_image=4
        )
    )


def _phi3(vocab: int) -> PreTrainedModel:
    from transformers import Phi3Config, Phi3ForCausalLM

    # fused qkv_proj, grouped KV heads, partial rotary
    return Phi3ForCausalLM(Phi3Config(**_decoder(vocab_size=vocab, partial_rotary_factor=0.5, pad_token_id=0)))


def _opt(vocab: int) -> PreTrainedModel:
    from transformers import OPTConfig, OPTForCausalLM

    return OPTForCausalLM(
        OPTConfig(
            hidden_size=D_MODEL,
            ffn_dim=D_FF,
            num_hidden_layers=N_LAYERS,
            num_attention_heads=N_HEADS,
            word_embed_proj_dim=D_MODEL,
            max_position_embeddings=POSITIONS,
            vocab_size=vocab,
            pad_token_id=1,
        )
    )


def _falcon(vocab: int, **layout) -> PreTrainedModel:
    from transformers import FalconConfig, FalconForCausalLM

    return FalconForCausalLM(
        FalconConfig(
            hidden_size=D_MODEL,
            num_hidden_layers=N_LAYERS,
            num_attention_heads=N_HEADS,
            max_position_embeddings=POSITIONS,
            vocab_size=vocab,
            **layout,
        )
    )


def _olmo2(vocab: int) -> PreTrainedModel:
    from transformers import Olmo2Config, Olmo2ForCausalLM

    return Olmo2ForCausalLM(Olmo2Config(**_decoder(vocab_size=vocab, pad_token_id=0)))  # QK-norm over all heads


def _bert(vocab: int) -> PreTrainedModel:
    from transformers import BertConfig, BertModel

    return BertModel(
        BertConfig(
            hidden_size=D_MODEL,
            intermediate_size=D_FF,
            num_hidden_layers=N_LAYERS,
            num_attention_heads=N_HEADS,
            max_position_embeddings=POSITIONS,
            vocab_size=vocab,
        )
    )


def _roberta(vocab: int) -> PreTrainedModel:
    from transformers import RobertaConfig, RobertaModel

    # positions start at pad_token_id + 1: the context is 2 shorter than max_position_embeddings
    return RobertaModel(
        RobertaConfig(
            hidden_size=D_MODEL,
            intermediate_size=D_FF,
            num_hidden_layers=N_LAYERS,
            num_attention_heads=N_HEADS,
            max_position_embeddings=POSITIONS + 2,
            vocab_size=vocab,
            pad_token_id=1,
        )
    )


def _distilbert(vocab: int) -> PreTrainedModel:
    from transformers import DistilBertConfig, DistilBertModel

    return DistilBertModel(
        DistilBertConfig(
            dim=D_MODEL,
            hidden_dim=D_FF,
            n_layers=N_LAYERS,
            n_heads=N_HEADS,
            max_position_embeddings=POSITIONS,
            vocab_size=vocab,
        )
    )


def _t5(vocab: int) -> PreTrainedModel:
    from transformers import T5Config, T5ForConditionalGeneration

    # the whole encoder-decoder, as a user brings it; semphys reads the encoder
    return T5ForConditionalGeneration(
        T5Config(
            d_model=D_MODEL,
            d_kv=16,
            d_ff=D_FF,
            num_layers=N_LAYERS,
            num_heads=N_HEADS,
            vocab_size=vocab,
            decoder_start_token_id=0,
        )
    )


def _mamba(vocab: int) -> PreTrainedModel:
    from transformers import MambaConfig, MambaForCausalLM

    return MambaForCausalLM(
        MambaConfig(hidden_size=D_MODEL, num_hidden_layers=N_LAYERS, state_size=8, expand=2, vocab_size=vocab)
    )


BUILDERS: dict[str, Callable[[int], PreTrainedModel]] = {
    "gpt2": _gpt2,
    "gpt_neox": _gpt_neox,
    "llama": _llama,
    "mistral": _mistral,
    "qwen2": _qwen2,
    "qwen3": _qwen3,
    "gemma2": _gemma2,
    "gemma3_text": _gemma3_text,
    "gemma3_conditional": _gemma3,
    "phi3": _phi3,
    "opt": _opt,
    "falcon_multi_query": lambda vocab: _falcon(vocab, multi_query=True, new_decoder_architecture=False),
    "falcon_new_decoder": lambda vocab: _falcon(vocab, new_decoder_architecture=True, num_kv_heads=N_KV),
    "olmo2": _olmo2,
    "bert": _bert,
    "roberta": _roberta,
    "distilbert": _distilbert,
    "t5_encoder": _t5,
    "mamba": _mamba,
}
"""Name -> builder of a random model with the given vocabulary size."""

EXPECTED_HEADS: dict[str, tuple[int, int, int]] = {
    **{
        name: (N_HEADS, N_HEADS, 16)
        for name in ("gpt2", "gpt_neox", "opt", "bert", "roberta", "distilbert", "t5_encoder")
    },
    **{
        name: (N_HEADS, N_KV, 16)
        for name in (
            "llama",
            "mistral",
            "qwen2",
            "qwen3",
            "gemma2",
            "gemma3_text",
            "gemma3_conditional",
            "phi3",
            "olmo2",
            "falcon_new_decoder",
        )
    },
    "falcon_multi_query": (N_HEADS, 1, 16),
    "mamba": (0, 0, 0),
}
"""Name -> (n_heads, n_kv_heads, d_head) as built: what `ModelFacts` must say."""


def save_tiny_model(name: str, directory: Path, tokenizer_model, seed: int = 0) -> Path:
    """Build architecture `name` with random weights (seeded) and save it with a fast tokenizer in `directory`."""
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer_model, eos_token="<|endoftext|>", bos_token="<|endoftext|>"
    )
    torch.manual_seed(seed)
    model = BUILDERS[name](tokenizer_model.get_vocab_size())
    with torch.no_grad():  # norm gains and biases start at 0 or 1: moved, a wrong gain convention shows
        for parameter in model.parameters():
            if parameter.ndim == 1:
                parameter.add_(0.1 * torch.randn_like(parameter))
    for config in (model.config, getattr(model, "generation_config", None)):
        if config is None:
            continue
        config.bos_token_id = config.eos_token_id = tokenizer.eos_token_id
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
