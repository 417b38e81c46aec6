"""Results documents as strict JSON, and their JSON Schemas.

`to_json` writes what every command writes: numpy values as Python numbers, tuples as lists, and
NaN or infinity as `null` (bare `NaN` is not JSON; a reader in another language refuses the whole
file). A writer that nulls a value says why in the document, next to it or in its schema.

Every results document has a JSON Schema (draft 2020-12) beside its writer, `<name>.schema.json`
in the writer's package, whose `schema` property is the document's version string as a `const`;
`semphys.evidence.check_document` validates a document against it, and every claim row in it against
the one claim schema (every experiment does before it writes; the tests run it on real outputs).
"""

import dataclasses
import enum
import json
import math
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np


def clean(value: Any) -> Any:
    """`value` made JSON-ready: numpy -> Python, tuples -> lists, dataclasses -> dicts, NaN/inf -> None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return clean(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return clean(dataclasses.asdict(value))
    if hasattr(value, "item") and callable(value.item):  # a 0-d torch tensor or numpy scalar
        return clean(value.item())
    return value


def to_json(document: Any, indent: int | None = 1) -> str:
    """Strict JSON text of `document` (see `clean`), with a trailing newline."""
    return json.dumps(clean(document), indent=indent, allow_nan=False) + "\n"


CRC_KEY = "crc32"


def _crc(document: dict) -> str:
    body = {k: v for k, v in document.items() if k != CRC_KEY}
    return f"{zlib.crc32(json.dumps(body, sort_keys=True, allow_nan=False).encode()):08x}"


def sealed(document: dict) -> dict:
    """`document` (cleaned) with a CRC-32 of its canonical JSON under `crc32`, for files that are read back."""
    cleaned = clean(document)
    return {**cleaned, CRC_KEY: _crc(cleaned)}


def is_intact(document: object) -> bool:
    """Whether a document read back carries a `crc32` that matches its content."""
    return isinstance(document, dict) and document.get(CRC_KEY) == _crc(document)


@cache
def load_schema(path: Path) -> dict:
    """The JSON Schema at `path` (read once per process)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def schema_path(module_file: str, name: str) -> Path:
    """`<name>.schema.json` beside the module whose `__file__` is `module_file`."""
    return Path(module_file).with_name(f"{name}.schema.json")
