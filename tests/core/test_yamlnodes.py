"""semphys.core.yamlnodes: typed values and errors that name file, line and key."""

import pytest

from semphys.core.errors import UserError
from semphys.core.yamlnodes import NodeReader, compose, node_kind


def test_values_are_typed_as_yaml_types_them() -> None:
    root = compose("a: 3\nb: 0.5\nc: true\nd: text\ne: 1_000\n", "f.yaml")
    reader = NodeReader("f.yaml")
    entries = reader.mapping(root, "<top>", ("a", "b", "c", "d", "e"))
    values = {k: reader.value(v, k) for k, (_, v) in entries.items()}
    assert values == {"a": 3, "b": 0.5, "c": True, "d": "text", "e": 1000}
    assert reader.integer(entries["a"][1], "a", minimum=1) == 3
    with pytest.raises(UserError, match="f.yaml:2: b: expected an integer"):
        reader.integer(entries["b"][1], "b")
    with pytest.raises(UserError, match="f.yaml:1: a: must be at least 5, got 3"):
        reader.integer(entries["a"][1], "a", minimum=5)


def test_errors_name_line_and_key() -> None:
    reader = NodeReader("f.yaml")
    root = compose("x: 1\ny:\n  - a\n  - b\n", "f.yaml")
    with pytest.raises(UserError, match="f.yaml:1: x: unknown key; allowed: y"):
        reader.mapping(root, "<top>", ("y",))
    with pytest.raises(UserError, match="f.yaml:1: <top>: missing key 'z'"):
        reader.mapping(root, "<top>", ("x", "y", "z"), ("z",))
    entries = reader.mapping(root, "<top>", ("x", "y"))
    assert [v for _, v in reader.strings(entries["y"][1], "y")] == ["a", "b"]
    with pytest.raises(UserError, match=r"f.yaml:1: x: expected a list of strings, got the value '1'"):
        reader.strings(entries["x"][1], "x")
    assert node_kind(entries["y"][1]) == "a list"


def test_syntax_errors_name_the_line() -> None:
    with pytest.raises(UserError, match=r"f.yaml:2: malformed YAML"):
        compose("a: [1\nb: 2\n", "f.yaml")
    with pytest.raises(UserError, match=r"f.json:1: malformed JSON"):
        compose('{"a": }', "f.json")
    assert compose("", "f.yaml") is None


@pytest.mark.parametrize("text", [".nan", ".NaN", ".inf", "-.inf"])
def test_non_finite_numbers_are_refused_with_their_line(text: str) -> None:
    reader = NodeReader("f.yaml")
    entries = reader.mapping(compose(f"a: 1\nb: {text}\n", "f.yaml"), "<top>", ("a", "b"))
    with pytest.raises(UserError, match=rf"^f.yaml:2: b: must be a finite number, got {text}$"):
        reader.value(entries["b"][1], "b")
