"""Reading YAML (or JSON) input files so that every error names the file, the line and the key.

The file is composed into PyYAML's node tree (`compose`), not loaded into Python values, so each
value keeps its line: `p.yaml:12: words.bank.prompts[1].sense: unknown sense 'money'`. `NodeReader`
walks the tree and turns every malformed piece into a `UserError` of that form. JSON input is read
as YAML (which contains it), after a JSON parse that gives JSON's own line on a syntax error.
Used by `semphys phase --prompts` files and `semphys sweep` specs.
"""

import json
import math

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from semphys.core.errors import UserError

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"


def compose(text: str, name: str) -> Node | None:
    """The node tree of `text` (None for an empty document); syntax errors name `name` and the line."""
    if name.endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as err:
            raise UserError(f"{name}:{err.lineno}: malformed JSON: {err.msg} (column {err.colno})") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise UserError(f"{name}{line}: malformed YAML: {problem}") from None


def node_kind(node: Node) -> str:
    """How a node reads in an error message: `a mapping`, `a list`, `the value 'x'`."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing (null)"
    return f"the value {node.value!r}"


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null")


class NodeReader:
    """Walks a composed YAML tree; every error names file, line and key path (`<top>` for the root)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def where(self, node: Node, path: str) -> str:
        return f"{self.name}:{node.start_mark.line + 1}: {path}"

    def fail(self, node: Node, path: str, problem: str) -> UserError:
        return UserError(f"{self.where(node, path)}: {problem}")

    def mapping(
        self, node: Node, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, tuple[Node, Node]]:
        """A mapping whose keys are names from `allowed` (all of `required` present): key -> (key node, value node)."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, path, f"expected a mapping with keys {', '.join(allowed)}, got {node_kind(node)}")
        entries = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, path + ".<key>")
            key_path = key if path == "<top>" else f"{path}.{key}"
            if key in entries:
                raise self.fail(key_node, key_path, "key given twice")
            if allowed and key not in allowed:
                raise self.fail(key_node, key_path, f"unknown key; allowed: {', '.join(allowed)}")
            entries[key] = (key_node, value_node)
        for key in required:
            if key not in entries:
                raise self.fail(node, path, f"missing key {key!r}; required: {', '.join(required)}")
        return entries

    def free_mapping(self, node: Node, path: str) -> dict[str, tuple[Node, Node]]:
        """A mapping whose keys are data (word names, sense labels)."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, path, f"expected a mapping, got {node_kind(node)}")
        entries = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, path + ".<key>")
            if key in entries:
                raise self.fail(key_node, f"{path}.{key}", "key given twice")
            entries[key] = (key_node, value_node)
        return entries

    def scalar(self, node: Node, path: str) -> str:
        """A non-empty string (numbers are read as their text)."""
        if not isinstance(node, ScalarNode) or is_null(node):
            raise self.fail(node, path, f"expected a string, got {node_kind(node)}")
        text = str(node.value)
        if not text.strip():
            raise self.fail(node, path, "empty string")
        return text

    def strings(self, node: Node, path: str) -> list[tuple[Node, str]]:
        """A list of non-empty strings, each with its node."""
        if not isinstance(node, SequenceNode):
            raise self.fail(node, path, f"expected a list of strings, got {node_kind(node)}")
        return [(item, self.scalar(item, f"{path}[{i}]")) for i, item in enumerate(node.value)]

    def value(self, node: Node, path: str) -> str | int | float | bool:
        """A scalar as YAML types it: integer, finite number, true/false, else a string.

        Integers and numbers are built by PyYAML's own constructor, so every YAML 1.1 form reads as
        YAML says (`010` is octal 8, `0x1f`, `1_000`); `.nan` and `.inf` are refused: no setting of
        semphys is meaningful at NaN or infinity.
        """
        text = self.scalar(node, path)
        if node.tag == _BOOL:
            return text.lower() in ("true", "yes", "on")
        if node.tag in (_INT, _FLOAT):
            number = yaml.SafeLoader("").construct_object(node)
            if isinstance(number, float) and not math.isfinite(number):
                raise self.fail(node, path, f"must be a finite number, got {text}")
            return number
        return text

    def integer(self, node: Node, path: str, minimum: int | None = None) -> int:
        """An integer, at least `minimum` when given."""
        value = self.value(node, path)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, path, f"expected an integer, got {node_kind(node)}")
        if minimum is not None and value < minimum:
            raise self.fail(node, path, f"must be at least {minimum}, got {value}")
        return value
