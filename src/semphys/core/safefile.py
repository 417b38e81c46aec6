"""Safetensors files that carry their own checksum: cache entries and checkpoints.

A file is written atomically (temporary file, then rename) with a CRC-32 in its metadata
(`semphys_crc32`) over every tensor's name, dtype, shape and bytes and over the rest of the
metadata. Reading recomputes it: a flipped bit, a truncated file or a damaged header raises
`DamagedFile`, which names the file. Caches catch it and recompute the entry; a checkpoint, which
cannot be recomputed, lets it reach the user as a one-line error (exit 2).

CRC-32 as in `semphys.lm.models.checksum`: the threat is bit rot and truncation, not an adversary.
Without it, 64 flipped bytes in a cached activation changed sigma by up to 0.60 and the verdict
was judged on the damaged numbers.
"""

import json
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load, save

from semphys.core.errors import UserError
from semphys.core.io import write_bytes_atomic

CRC_KEY = "semphys_crc32"


class DamagedFile(UserError):
    """A checksummed file whose content does not match its checksum, or that cannot be parsed."""


def _raw_bytes(tensor: Any) -> tuple[str, tuple[int, ...], bytes]:
    """(dtype name, shape, bytes) of a numpy array or a torch tensor (any dtype, bf16 included)."""
    if isinstance(tensor, np.ndarray):
        array = np.ascontiguousarray(tensor)
        return str(array.dtype), tuple(array.shape), array.tobytes()
    import torch

    flat = tensor.detach().to("cpu").contiguous()
    return str(flat.dtype).removeprefix("torch."), tuple(flat.shape), flat.view(-1).view(torch.uint8).numpy().tobytes()


def tensors_crc32(tensors: Mapping[str, Any], metadata: Mapping[str, str]) -> str:
    """CRC-32 (8 hex digits) of the tensors (sorted by name) and of the metadata other than the checksum."""
    crc = zlib.crc32(json.dumps({k: v for k, v in metadata.items() if k != CRC_KEY}, sort_keys=True).encode())
    for name in sorted(tensors):
        dtype, shape, data = _raw_bytes(tensors[name])
        crc = zlib.crc32(json.dumps([name, dtype, list(shape)]).encode(), crc)
        crc = zlib.crc32(data, crc)
    return f"{crc:08x}"


def with_checksum(tensors: Mapping[str, Any], metadata: Mapping[str, str]) -> dict[str, str]:
    """`metadata` plus the checksum of `tensors` and `metadata` under `CRC_KEY`."""
    return {**metadata, CRC_KEY: tensors_crc32(tensors, metadata)}


def verify(path: Path, tensors: Mapping[str, Any], metadata: Mapping[str, str]) -> None:
    """Raise `DamagedFile` naming `path` when `metadata`'s checksum does not match what was read."""
    stored = metadata.get(CRC_KEY)
    if stored is None:
        raise DamagedFile(
            f"{path} carries no checksum ({CRC_KEY}); it was not written by this semphys, or its header is damaged"
        )
    if tensors_crc32(tensors, metadata) != stored:
        raise DamagedFile(f"{path} fails its checksum (damaged on disk)")


def save_checked(path: Path, tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> Path:
    """Write numpy `tensors` and string `metadata` to `path` atomically, checksummed; returns the path."""
    arrays = {name: np.ascontiguousarray(array) for name, array in tensors.items()}
    return write_bytes_atomic(Path(path), save(arrays, metadata=with_checksum(arrays, dict(metadata))))


def load_checked(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(tensors, metadata) of a file written by `save_checked`; `DamagedFile` when it is not intact.

    A missing file is `FileNotFoundError` (a cache miss, not damage).
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        header_len = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_len]).get("__metadata__") or {}
        tensors = load(data)
    except Exception as err:  # noqa: BLE001 - any parse failure of the bytes is damage
        raise DamagedFile(f"{path} is truncated or damaged ({type(err).__name__})") from None
    verify(path, tensors, metadata)
    return tensors, metadata
