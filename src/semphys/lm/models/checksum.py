"""Checksummed directories: a manifest of file sizes and CRC-32s, written last, verified on load.

A cache directory is complete only when its `manifest.json` exists and every file it names has the
recorded size and checksum. The manifest is written after everything else, so a build that was
interrupted leaves no manifest and is rebuilt; a file damaged later fails its checksum.

CRC-32 (zlib) rather than SHA-256: the threat is truncation and bit rot, not an adversary, and CRC-32
runs at about 2.7 GB/s here against 1.4 GB/s for SHA-256, which matters for a 1 GB weight file read on
every model load. zlib releases the GIL, so verification can overlap other loading work.
"""

import json
import zlib
from pathlib import Path

from semphys.core.io import atomic_path

MANIFEST = "manifest.json"
_BLOCK = 16 * 1024 * 1024


def crc32_file(path: Path) -> str:
    """CRC-32 of a file's bytes as 8 hex digits."""
    crc = 0
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def write_manifest(directory: Path, extra: dict[str, object] | None = None) -> dict[str, object]:
    """Checksum every regular file under `directory` and write `manifest.json` (atomically, last)."""
    files = {
        str(path.relative_to(directory)): {"size": path.stat().st_size, "crc32": crc32_file(path)}
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {"files": files, **(extra or {})}
    with atomic_path(directory / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def verify_manifest(directory: Path) -> str | None:
    """Check `directory` against its manifest. Returns None when intact, else why it is not."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        return f"no {MANIFEST} in {directory} (build never finished)"
    try:
        files = json.loads(manifest_path.read_text())["files"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        return f"unreadable {manifest_path}: {err}"
    for name, expected in files.items():
        path = directory / name
        if not path.is_file():
            return f"{path} is missing"
        if path.stat().st_size != expected["size"]:
            return f"{path} has {path.stat().st_size} bytes, expected {expected['size']}"
        if crc32_file(path) != expected["crc32"]:
            return f"{path} fails its checksum"
    return None
