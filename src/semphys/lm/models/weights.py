"""The weights a model was loaded from: every declared parameter read from its files, and their fingerprint.

`check_loading_info` turns transformers' loading report (`from_pretrained(..., output_loading_info=True)`)
into a refusal: a parameter the config declares that the files do not hold (transformers would fill it
with random values and carry on), a tensor whose shape differs from the config's, or a tensor in the
files that semphys does not know it leaves out. It runs before any work, so a model with a missing
tensor never yields numbers.

Known exceptions, each named here:
- tied weights: `lm_head.weight` tied to the token embedding (GPT-2, Gemma), T5's
  `encoder.embed_tokens.weight` tied to `shared.weight`. transformers fills them from their source and
  does not report them missing; any tied key it would report is allowed (`model._tied_weights_keys`).
- `pooler.` of an encoder body (BERT, RoBERTa): a checkpoint saved with a pretraining head has none;
  semphys reads the residual stream and never the pooler's output.
- unexpected keys semphys deliberately does not load (`SKIPPED_PREFIXES`): pretraining heads
  (`cls.`, `lm_head.`, `vocab_*`) under an encoder body, and `decoder.` (with its `lm_head.`) under a
  T5 encoder. `semphys lm info` lists them (`LM.unloaded`).

`weights_fingerprint` is what the activation cache keys on besides the facts: each weight file's name,
size, modification time and a hash of its safetensors header, so a model repaired in place never
reads a stale cache.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from semphys.core.errors import UserError

ENCODER_HEADS = ("cls.", "lm_head.", "vocab_")
"""Pretraining heads beside an encoder body (BERT's `cls.predictions`, RoBERTa's `lm_head`, ELECTRA's and
DistilBERT's `vocab_transform`/`vocab_projector`/`vocab_layer_norm`): not loaded, not needed."""
T5_DECODER = ("decoder.", "lm_head.")
"""The decoder (and its head) of an encoder-decoder model read as its encoder alone."""
ENCODER_BODY_MISSING = ("pooler.",)
"""Missing parts of an encoder body that semphys never reads (the pooler after the last block)."""
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")


def skipped_prefixes(model_type: str, encoder: bool, encoder_decoder: bool) -> tuple[str, ...]:
    """Prefixes of unexpected checkpoint keys that semphys deliberately does not load, for this kind of model."""
    if encoder_decoder:
        return T5_DECODER
    return ENCODER_HEADS if encoder else ()


def _strip(key: str, prefix: str) -> str:
    return key[len(prefix) + 1 :] if prefix and key.startswith(prefix + ".") else key


def check_loading_info(
    spec: str, model: Any, info: dict, skipped: tuple[str, ...], encoder: bool, header_keys: Iterable[str] = ()
) -> tuple[str, ...]:
    """Refuse (`UserError`, one line) a model whose parameters did not all come from its files.

    info: transformers' loading report (missing_keys, unexpected_keys, mismatched_keys, error_msgs).
    skipped: prefixes of unexpected keys that are allowed (`skipped_prefixes`).
    header_keys: the tensor names in the weight files (safetensors headers), for keys transformers
    drops silently (T5's decoder under `T5EncoderModel`).
    Returns the sorted prefixes (`cls.predictions`, `decoder`, ...) of the tensors left out, for `lm info`.
    """
    tied = set(getattr(model, "_tied_weights_keys", None) or ())
    prefix = getattr(model, "base_model_prefix", "")
    missing = sorted(
        key
        for key in info.get("missing_keys", ())
        if key not in tied and not (encoder and _strip(key, prefix).startswith(ENCODER_BODY_MISSING))
    )
    if missing:
        raise UserError(
            f"model {spec!r} does not match its weights: {len(missing)} parameter(s) the config declares are not "
            f"in its files (first: {missing[0]}); its config (layers, width, heads) disagrees with the weights, "
            "or a tensor was removed: semphys will not run on random values"
        )
    mismatched = sorted(info.get("mismatched_keys", ()), key=lambda row: str(row[0]))
    if mismatched:
        name, found, expected = mismatched[0]
        raise UserError(
            f"model {spec!r} does not match its weights: {len(mismatched)} tensor(s) have another shape than its "
            f"config declares (first: {name}, {list(found)} in the files, {list(expected)} declared); fix config.json"
        )
    if info.get("error_msgs"):
        raise UserError(f"model {spec!r}: its weights did not load: {str(info['error_msgs'][0]).splitlines()[0]}")
    unexpected = set(info.get("unexpected_keys", ()))
    if skipped == T5_DECODER:
        unexpected |= {key for key in header_keys if key.startswith(T5_DECODER)}
    unknown = sorted(key for key in unexpected if not _strip(key, prefix).startswith(skipped))
    if unknown:
        raise UserError(
            f"model {spec!r} does not match its weights: {len(unknown)} tensor(s) in its files are not parameters "
            f"of the model its config declares (first: {unknown[0]}); its config (layers, width, heads) disagrees "
            "with the weights"
        )
    return tuple(sorted({_part(_strip(key, prefix)) for key in unexpected}))


def _part(key: str) -> str:
    """`cls.predictions.transform.dense.weight` -> `cls.predictions`; `decoder.block.0...` -> `decoder.block`."""
    return ".".join(re.split(r"\.\d+\.|\.(?=weight$|bias$)", key)[0].split(".")[:2])


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence transformers' load report and progress bar while loading: semphys says what matters in one line."""
    from transformers.utils import logging

    verbosity, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()


def header_keys(directory: Path) -> list[str]:
    """Tensor names in the safetensors files of a model directory (headers only; [] when there are none)."""
    keys: list[str] = []
    for path in sorted(Path(directory).glob("*.safetensors")):
        try:
            with path.open("rb") as handle:
                size = int.from_bytes(handle.read(8), "little")
                header = json.loads(handle.read(size))
        except (OSError, ValueError):
            continue
        keys += [key for key in header if key != "__metadata__"]
    return keys


def weights_fingerprint(source: str) -> str:
    """12 hex digits over a model directory's weight files (name, size, mtime, header hash); "" when `source` is
    not a directory (a hub id: its cache snapshot never changes in place)."""
    directory = Path(source)
    if not directory.is_dir():
        return ""
    rows = []
    for path in sorted(directory.iterdir()):
        if not path.name.endswith(WEIGHT_SUFFIXES) or not path.is_file():
            continue
        stat = path.stat()
        rows.append(
            [path.name, stat.st_size, stat.st_mtime_ns, _header_digest(str(path), stat.st_size, stat.st_mtime_ns)]
        )
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:12] if rows else ""


@lru_cache(maxsize=256)
def _header_digest(path: str, size: int, mtime_ns: int) -> str:
    """SHA-256 of a safetensors file's header (names, dtypes, shapes, offsets), memoised by (path, size, mtime);
    of the first MiB for other formats."""
    with open(path, "rb") as handle:
        head = handle.read(8)
        length = int.from_bytes(head, "little") if path.endswith(".safetensors") and len(head) == 8 else 0
        body = handle.read(length if 0 < length <= size - 8 else 1 << 20)
    return hashlib.sha256(head + body).hexdigest()[:16]
