"""semphys.core.jsondoc: strict JSON (no NaN ever), numpy and dataclasses converted, schemas checked."""

import json
import math
from dataclasses import dataclass

import jsonschema
import numpy as np
import pytest
import torch

from semphys.core.jsondoc import clean, to_json
from semphys.evidence import check_document


@dataclass
class Row:
    value: float
    n: int


def test_nan_and_infinity_become_null_and_the_text_is_strict_json() -> None:
    text = to_json({"a": math.nan, "b": [np.float32("inf"), 1.5], "c": np.array([1.0, np.nan])})
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": [1.0, None]}
    assert "NaN" not in text and "Infinity" not in text


def test_numpy_torch_tuples_and_dataclasses_become_plain_python() -> None:
    doc = clean(
        {
            "i": np.int64(3),
            "t": (1, 2),
            "flag": np.bool_(True),
            "row": Row(np.float64(0.5), 2),
            "scalar": torch.tensor(2.5),
            1: "key",
        }
    )
    assert doc == {"i": 3, "t": [1, 2], "flag": True, "row": {"value": 0.5, "n": 2}, "scalar": 2.5, "1": "key"}
    assert type(doc["i"]) is int and type(doc["flag"]) is bool


def test_check_validates_against_a_schema_file(tmp_path) -> None:
    schema = {
        "type": "object",
        "required": ["schema", "value"],
        "properties": {"schema": {"const": "x/1"}, "value": {"type": ["number", "null"]}},
    }
    path = tmp_path / "x.schema.json"
    path.write_text(json.dumps(schema))
    check_document({"schema": "x/1", "value": math.nan}, path)
    with pytest.raises(jsonschema.ValidationError):
        check_document({"schema": "x/2", "value": 1.0}, path)
