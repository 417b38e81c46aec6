"""Model checkpoints: safetensors tensors plus the dataclass config that built them, checked on load.

One file holds everything needed to rebuild a model: its tensors (parameters and buffers, e.g. EMA
statistics) and, in the safetensors metadata, the config as JSON, the config's class name, and any
extra JSON-ready facts (training step, metrics). A training run may add its optimiser's
`state_dict()` (`optimizer_state=`): its tensors are stored under `__optimizer__.` names and its
structure as JSON, so that a resumed run continues exactly where the interrupted one stopped. The
file is written atomically, so an interrupted save leaves the previous checkpoint in place.

Loading checks four things and raises `UserError` naming the file and the problem:
- the file exists and is a whole safetensors file (a truncated or damaged file is refused);
- its CRC-32 (`semphys.core.safefile`, over every tensor and the metadata) matches: a flipped bit is
  refused, never trained on or streamed from (a checkpoint cannot be recomputed);
- it was written by `save_checkpoint` for the expected config class;
- when an expected config is given, every field matches (the differing fields are named).

    save_checkpoint(out / "model.safetensors", model.state_dict(), config, extra={"step": 120})
    ckpt = load_checkpoint(out / "model.safetensors", SamadhiConfig)
    model = SamadhiModel(ckpt.config); model.load_state_dict(ckpt.tensors)
    save_checkpoint(path, model.state_dict(), config, optimizer_state=optimizer.state_dict())
    optimizer.load_state_dict(load_checkpoint(path, SamadhiConfig).optimizer_state)
"""

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from semphys.core.errors import UserError
from semphys.core.io import write_bytes_atomic
from semphys.core.safefile import verify, with_checksum

C = TypeVar("C")

_CONFIG_KEY = "semphys_config"
_TYPE_KEY = "semphys_config_type"
_EXTRA_KEY = "semphys_extra"
_OPTIMIZER_KEY = "semphys_optimizer"
_OPTIMIZER_PREFIX = "__optimizer__."


@dataclass(frozen=True)
class Checkpoint(Generic[C]):
    """What `load_checkpoint` read: tensors, the rebuilt config, and the extra facts saved with them."""

    tensors: dict[str, torch.Tensor]
    config: C
    extra: dict[str, Any]
    path: Path
    optimizer_state: dict[str, Any] | None = None
    """The optimiser's `state_dict()` when one was saved, ready for `optimizer.load_state_dict`."""


def _config_json(config: Any) -> str:
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"config must be a dataclass instance, got {type(config).__name__}")
    return json.dumps(dataclasses.asdict(config), sort_keys=True)


def _flatten(value: Any, name: str, tensors: dict[str, torch.Tensor]) -> Any:
    """JSON skeleton of a nested state (dicts, lists, tensors, scalars); tensors go to `tensors`.

    A tensor becomes `{"__tensor__": name}`; a dict becomes `{"__dict__": [[key, value], ...]}` so
    that integer keys (an optimiser's parameter indices) survive the JSON round trip.
    """
    if isinstance(value, torch.Tensor):
        tensors[name] = value
        return {"__tensor__": name}
    if isinstance(value, Mapping):
        return {"__dict__": [[key, _flatten(item, f"{name}.{key}", tensors)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_flatten(item, f"{name}.{i}", tensors) for i, item in enumerate(value)]
    return value


def _unflatten(skeleton: Any, tensors: Mapping[str, torch.Tensor]) -> Any:
    """Inverse of `_flatten`."""
    if isinstance(skeleton, dict) and "__tensor__" in skeleton:
        return tensors[skeleton["__tensor__"]]
    if isinstance(skeleton, dict) and "__dict__" in skeleton:
        return {key: _unflatten(item, tensors) for key, item in skeleton["__dict__"]}
    if isinstance(skeleton, list):
        return [_unflatten(item, tensors) for item in skeleton]
    return skeleton


def save_checkpoint(
    path: Path,
    tensors: Mapping[str, torch.Tensor],
    config: Any,
    extra: Mapping[str, Any] | None = None,
    optimizer_state: Mapping[str, Any] | None = None,
) -> Path:
    """Write `tensors` and `config` (a dataclass) to `path` atomically; returns the path.

    `extra` must be JSON-ready (step, metrics, seed). `optimizer_state` is an optimiser's
    `state_dict()`. Tensors are made contiguous and copied to the CPU; shared storage (tied
    weights) is saved once per name, as safetensors requires.
    """
    if any(name.startswith(_OPTIMIZER_PREFIX) for name in tensors):
        raise ValueError(f"tensor names starting with {_OPTIMIZER_PREFIX!r} are reserved for the optimiser")
    metadata = {
        _CONFIG_KEY: _config_json(config),
        _TYPE_KEY: type(config).__name__,
        _EXTRA_KEY: json.dumps(dict(extra or {}), sort_keys=True),
    }
    all_tensors = dict(tensors)
    if optimizer_state is not None:
        metadata[_OPTIMIZER_KEY] = json.dumps(_flatten(optimizer_state, _OPTIMIZER_PREFIX[:-1], all_tensors))
    flat = {name: t.detach().to("cpu").contiguous().clone() for name, t in all_tensors.items()}
    return write_bytes_atomic(Path(path), save(flat, metadata=with_checksum(flat, metadata)))


def read_metadata(path: Path) -> dict[str, str]:
    """The safetensors metadata of `path`, or `UserError` when it is missing or not a whole file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no checkpoint at {path}")
    try:
        with open(path, "rb") as handle:
            header_len = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(header_len))
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise UserError(f"{path} is not a readable safetensors checkpoint ({err})") from err
    return header.get("__metadata__") or {}


def load_checkpoint(path: Path, config_type: type[C], expected: C | None = None) -> Checkpoint[C]:
    """Read a checkpoint written by `save_checkpoint` for `config_type`.

    `expected`, when given, must equal the saved config field by field (after a JSON round trip,
    so tuples and lists compare equal); otherwise `UserError` names the differing fields.
    """
    path = Path(path)
    metadata = read_metadata(path)
    if _CONFIG_KEY not in metadata:
        raise UserError(f"{path} is not a semphys checkpoint (no config in its metadata)")
    saved_type = metadata.get(_TYPE_KEY)
    if saved_type != config_type.__name__:
        raise UserError(f"{path} holds a {saved_type} checkpoint, expected {config_type.__name__}")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as err:
        raise UserError(f"{path} is truncated or damaged ({err}); delete it and train again") from err
    verify(path, tensors, metadata)
    fields = json.loads(metadata[_CONFIG_KEY])
    if expected is not None:
        wanted = json.loads(_config_json(expected))
        differ = sorted(k for k in wanted.keys() | fields.keys() if wanted.get(k) != fields.get(k))
        if differ:
            detail = ", ".join(f"{k}: saved {fields.get(k)!r}, expected {wanted.get(k)!r}" for k in differ)
            raise UserError(f"{path} was trained with another config ({detail})")
    known = {f.name for f in dataclasses.fields(config_type)}
    unknown = sorted(fields.keys() - known)
    if unknown:
        raise UserError(f"{path} has config fields {config_type.__name__} does not know: {', '.join(unknown)}")
    config = config_from_dict(config_type, fields)
    optimizer_state = None
    if _OPTIMIZER_KEY in metadata:
        optimizer_state = _unflatten(json.loads(metadata[_OPTIMIZER_KEY]), tensors)
        tensors = {name: t for name, t in tensors.items() if not name.startswith(_OPTIMIZER_PREFIX)}
    return Checkpoint(
        tensors=tensors,
        config=config,
        extra=json.loads(metadata.get(_EXTRA_KEY, "{}")),
        path=path,
        optimizer_state=optimizer_state,
    )


def config_from_dict(config_type: type[C], fields: dict[str, Any]) -> C:
    """`config_type(**fields)` from its JSON form (`dataclasses.asdict` after a JSON round trip).

    JSON lists become tuples again where the field's default is a tuple, and a dict becomes the
    dataclass of the field's default (nested configs), recursively. Fields absent from `fields`
    keep their defaults.
    """
    values = {}
    for field in dataclasses.fields(config_type):
        if field.name not in fields:
            continue
        value = fields[field.name]
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = None
        if isinstance(value, dict) and dataclasses.is_dataclass(default):
            value = config_from_dict(type(default), value)
        elif isinstance(value, list) and isinstance(default, tuple):
            value = _tuples(value)
        values[field.name] = value
    return config_type(**values)


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
