"""The grid blocks of a sweep spec: phase (per-word jobs or spec 001 at WordNet scale), langevin and readout.

Each block maps a config's field names to one value (fixed) or a list (a grid axis); every value is
checked by the config it sets (`PhaseConfig`, `ScaleSettings.validate`, `ReadoutConfig.validate`, the
Langevin probe's own bounds), and a mistake names the file, the line and the key. The spec format
itself is in `semphys.experiments.sweep.spec`.
"""

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from semphys.core.errors import UserError
from semphys.core.yamlnodes import NodeReader, is_null, node_kind
from semphys.experiments.phase.readout import ReadoutConfig
from semphys.phase import PhaseConfig
from semphys.phase.scale import ScaleSettings

PHASE_KEYS = (
    "primary_mode",
    "primary_correction",
    "pooling",
    "final_norm",
    "selection",
    "fits",
    "fit_starts",
    "n_bootstrap",
    "n_random_directions",
    "n_label_shuffles",
    "n_null_draws",
    "ci_level",
    "hint_template",
    "seed",
)
"""PhaseConfig fields a sweep may set or vary for per-word phase jobs (the rest keep spec 001's defaults)."""
SCALE_KEYS = (
    "seed",
    "transition",
    "alpha_word",
    "min_class_words",
    "max_context",
    "n_hints",
    "hint_template",
    "n_own_null",
    "n_fit_null",
    "n_null_draws",
    "n_beta_null",
    "n_bootstrap",
    "n_class_permutations",
)
"""ScaleSettings fields a sweep may set or vary at WordNet scale. The rest keep their defaults: `first_fit_layer`
depends on each model's depth, the fit bounds are limits of the fits, `capture_chunk` is how, not what."""
LANGEVIN_KEYS = ("temperature", "seed", "prompt", "particles", "top_k", "steps")
LANGEVIN_DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "prompt": "The old lighthouse keeper",
    "particles": 2000,
    "top_k": 16,
    "steps": 150,
}
READOUT_KEYS = (
    "pos",
    "n_words",
    "seed",
    "n_null",
    "n_bootstrap",
    "primary_mode",
    "primary_correction",
    "potential_bins",
    "n_bimodal_null",
)
"""ReadoutConfig fields a sweep may set or vary (the rest keep their defaults; the model is the job's)."""
ALL_WORDS = "all"
"""`readout.n_words: all`: every usable word (ReadoutConfig.n_words None)."""
Grid = tuple[tuple[str, tuple[Any, ...]], ...]
"""(key, values) pairs in file order; every combination of one value per key is one grid point."""


def grid_points(grid: Grid) -> list[dict[str, Any]]:
    """Cartesian product of the grid's axes, in file order."""
    keys = [k for k, _ in grid]
    return [dict(zip(keys, combo)) for combo in itertools.product(*(values for _, values in grid))]


def _axis(reader: NodeReader, node: Node, path: str) -> list[tuple[Node, Any]]:
    """A grid axis: a list of values, or one value (a fixed setting)."""
    if isinstance(node, SequenceNode):
        if not node.value:
            raise reader.fail(node, path, "empty list; give at least one value")
        return [(item, _value(reader, item, f"{path}[{i}]")) for i, item in enumerate(node.value)]
    return [(node, _value(reader, node, path))]


def _value(reader: NodeReader, node: Node, path: str) -> Any:
    if isinstance(node, SequenceNode):  # a list value inside an axis, e.g. one set of fit types
        return tuple(v for _, v in reader.strings(node, path))
    if is_null(node):
        raise reader.fail(node, path, "expected a value, got nothing (null)")
    return reader.value(node, path)


@dataclass(frozen=True)
class PhaseDesign:
    """What the phase block sets: per-word jobs (PhaseConfig) or spec 001 at WordNet scale (ScaleSettings)."""

    keys: tuple[str, ...]
    defaults: dict[str, Any]
    check: Callable[[str, Any], None]
    """(key, value) -> raises `UserError` when the design cannot run with the value."""
    words: str
    """The word sources that run this design, as a message names them."""


def _check_phase(key: str, value: Any) -> None:
    PhaseConfig(**{key: value})


def _check_scale(key: str, value: Any) -> None:
    ScaleSettings(**{key: value}).validate()


def phase_grid(reader: NodeReader, node: Node, scale: bool) -> Grid:
    """The phase block of `SCALE` (WordNet words) or `PER_WORD` (names, prompts); a key of the other design is
    refused naming both designs and this one's keys."""
    design, other = (SCALE, PER_WORD) if scale else (PER_WORD, SCALE)
    for key_node, _ in node.value if isinstance(node, MappingNode) else ():
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if key in other.keys and key not in design.keys:
            raise reader.fail(
                key_node,
                f"phase.{key}",
                f"a setting of {other.words}, not of {design.words}; allowed: {', '.join(design.keys)}",
            )
    grid = []
    for key, (_, value_node) in reader.mapping(node, "phase", design.keys).items():
        values = _axis(reader, value_node, f"phase.{key}")
        if key == "fits" and all(not isinstance(v, tuple) for _, v in values):
            values = [(value_node, tuple(v for _, v in values))]  # one set of fit types, not an axis
        for item, value in values:
            _check_type(reader, item, f"phase.{key}", design.defaults[key], value)
            try:
                design.check(key, value)
            except UserError as err:
                raise reader.fail(item, f"phase.{key}", str(err)) from None
            except TypeError:
                raise reader.fail(item, f"phase.{key}", f"invalid value {value!r}") from None
        grid.append((key, tuple(v for _, v in values)))
    return tuple(grid)


PHASE_DEFAULTS: dict[str, Any] = {
    field.name: getattr(PhaseConfig(), field.name)
    for field in dataclasses.fields(PhaseConfig)
    if field.name in PHASE_KEYS
}
"""The default of every settable PhaseConfig field: a grid value must have its type."""
PER_WORD = PhaseDesign(PHASE_KEYS, PHASE_DEFAULTS, _check_phase, "per-word phase jobs (words: names or prompts)")
SCALE = PhaseDesign(
    SCALE_KEYS,
    {key: getattr(ScaleSettings(), key) for key in SCALE_KEYS},
    _check_scale,
    "the WordNet-scale design (words: {wordnet: N | all})",
)


def _check_type(reader: NodeReader, node: Node, path: str, default: Any, value: Any) -> None:
    """`value` has the type of the field's `default` (an int where an int is expected, never a bool)."""
    if isinstance(default, bool):
        ok, wanted = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, wanted = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif isinstance(default, float):
        ok, wanted = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, tuple):
        ok, wanted = isinstance(value, tuple), "a list"
    else:
        ok, wanted = isinstance(value, str), "a string"
    if not ok:
        raise reader.fail(node, path, f"expected {wanted}, got {node_kind(node)}")


def langevin_grid(reader: NodeReader, node: Node) -> Grid:
    grid = []
    for key, (_, value_node) in reader.mapping(node, "langevin", LANGEVIN_KEYS, ("temperature",)).items():
        values = _axis(reader, value_node, f"langevin.{key}")
        for item, value in values:
            _check_langevin(reader, item, f"langevin.{key}", key, value)
        grid.append((key, tuple(v for _, v in values)))
    return tuple(grid)


def _check_langevin(reader: NodeReader, node: Node, path: str, key: str, value: Any) -> None:
    if key == "prompt":
        if not isinstance(value, str):
            raise reader.fail(node, path, "expected a prompt text")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise reader.fail(node, path, f"expected a number, got {value!r}")
    if key == "temperature" and value <= 0:
        raise reader.fail(node, path, f"temperature must be positive, got {value}")
    if key in ("particles", "top_k", "steps") and (not isinstance(value, int) or value < (2 if key == "top_k" else 1)):
        raise reader.fail(node, path, f"{key} must be an integer of at least {2 if key == 'top_k' else 1}, got {value}")
    if key == "seed" and not isinstance(value, int):
        raise reader.fail(node, path, f"seed must be an integer, got {value}")


def readout_grid(reader: NodeReader, node: Node) -> Grid:
    """The readout block: each value checked by `ReadoutConfig.validate` (the message names file, line and key)."""
    if is_null(node):
        return ()
    grid = []
    for key, (_, value_node) in reader.mapping(node, "readout", READOUT_KEYS).items():
        path = f"readout.{key}"
        values = _axis(reader, value_node, path)
        if key == "pos" and all(not isinstance(v, tuple) for _, v in values):
            values = [(value_node, tuple(v for _, v in values))]  # one set of parts of speech, not an axis
        checked = []
        for item, value in values:
            if key == "n_words" and value == ALL_WORDS:
                value = None
            elif key == "n_words" and (isinstance(value, bool) or not isinstance(value, int)):
                raise reader.fail(item, path, f"expected an integer or {ALL_WORDS}, got {node_kind(item)}")
            elif key != "n_words":
                _check_type(reader, item, path, READOUT_DEFAULTS[key], value)
            try:
                ReadoutConfig(**{key: value}).validate()
            except UserError as err:
                raise reader.fail(item, path, str(err)) from None
            checked.append(value)
        grid.append((key, tuple(checked)))
    return tuple(grid)


READOUT_DEFAULTS: dict[str, Any] = {key: getattr(ReadoutConfig(), key) for key in READOUT_KEYS}
"""The default of every settable ReadoutConfig field: a grid value must have its type (n_words: N or all)."""


def settings_label(point: dict[str, Any]) -> str:
    if not point:
        return "default"
    return ",".join(f"{k}={_label_value(v)}" for k, v in point.items())


def _label_value(value: Any) -> str:
    if isinstance(value, tuple):
        return "+".join(value)
    return ALL_WORDS if value is None else str(value)  # None: readout.n_words all
