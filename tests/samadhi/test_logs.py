"""Module C: records validate against their schemas, transition types follow their definitions."""

import json
import math
from pathlib import Path

import jsonschema
import pytest
import torch

from semphys.core.errors import UserError
from semphys.experiments.samadhi.stream import write_jsonl
from semphys.samadhi.logs import (
    CETANA_LOG_SCHEMA,
    PROBE_LOG_SCHEMA,
    WindowDecision,
    cetana_record,
    entropy,
    probe_record,
    transition_type,
    validate_log,
)

LABELS = ["noun.animal", "noun.food", "learned_0"]


def _decision(window: int, winner: int, gate: bool, score: float = 0.6, converged: bool = True) -> WindowDecision:
    scores = torch.full((3,), 0.1)
    scores[winner] = score
    probs = torch.softmax(scores / 0.1, dim=0)
    return WindowDecision(
        window=window,
        token_start=4 * window,
        token_end=4 * window + 4,
        text="a cat",
        scores=scores,
        probs=probs,
        winner=winner,
        gate=gate,
        s_final=torch.randn(5) if gate else None,
        steps=7 if gate else 0,
        converged=converged and gate,
        residual=5e-5 if converged else 3e-3,
    )


def test_probe_records_validate_and_say_what_happened() -> None:
    opened = probe_record(_decision(0, 1, True), LABELS, theta=0.4, eps=1e-4, t_max=20)
    closed = probe_record(_decision(1, 0, False, score=0.2), LABELS, theta=0.4, eps=1e-4, t_max=20)
    stuck = probe_record(_decision(2, 2, True, converged=False), LABELS, theta=0.4, eps=1e-4, t_max=20)
    for record in (opened, closed, stuck):
        jsonschema.validate(record, PROBE_LOG_SCHEMA)
    assert opened["intention"]["winner_label"] == "noun.food" and opened["intention"]["gate_status"] == "OPEN"
    assert opened["message"] == "Gate Open (Focus: noun.food)" and opened["refinement"]["status"] == "CONVERGED"
    assert closed["message"] == "Gate Closed (Noise)" and closed["refinement"] is None
    assert stuck["refinement"]["status"] == "NOT_CONVERGED" and stuck["refinement"]["converged"] is False
    assert math.isclose(sum(opened["probabilities"]), 1.0, rel_tol=1e-6)
    assert opened["intention"]["confidence"] == max(opened["probabilities"])


def test_schema_rejects_a_broken_record() -> None:
    record = probe_record(_decision(0, 1, True), LABELS, theta=0.4, eps=1e-4, t_max=20)
    for broken in (
        {**record, "intention": {**record["intention"], "gate_status": "AJAR"}},
        {k: v for k, v in record.items() if k != "raw_scores"},
        {**record, "refinement": {**record["refinement"], "status": "ALMOST"}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, PROBE_LOG_SCHEMA)


def test_entropy_by_hand() -> None:
    assert entropy(torch.tensor([1.0, 0.0, 0.0])) == 0.0
    assert math.isclose(entropy(torch.full((4,), 0.25)), math.log(4))
    assert math.isclose(entropy(torch.tensor([0.5, 0.5])), math.log(2))


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (None, (0, True, 0.6), "Shift"),
        ((0, True, 0.6), (1, True, 0.6), "Shift"),
        ((0, False, 0.2), (0, True, 0.6), "Shift"),  # back from noise
        ((0, True, 0.6), (0, True, 0.62), "Sustain"),  # rise 0.02 <= margin 0.05
        ((0, True, 0.6), (0, True, 0.5), "Sustain"),
        ((0, True, 0.6), (0, True, 0.7), "Deepening"),
        ((0, True, 0.6), (0, False, 0.2), "Distracted"),
        (None, (2, False, 0.2), "Distracted"),
    ],
)
def test_transition_types_follow_their_definitions(previous, current, expected) -> None:
    prev = None if previous is None else _decision(0, previous[0], previous[1], previous[2])
    cur = _decision(1, current[0], current[1], current[2])
    assert transition_type(prev, cur) == expected
    record = cetana_record(prev, cur, LABELS)
    jsonschema.validate(record, CETANA_LOG_SCHEMA)
    assert record["transition"]["type"] == expected


def test_cetana_fields() -> None:
    a, b = _decision(0, 0, True), _decision(1, 1, True)
    record = cetana_record(a, b, LABELS)["transition"]
    assert record["from"] == "noun.animal" and record["to"] == "noun.food"
    expected_tv = 0.5 * (a.probs - b.probs).abs().sum().item()
    assert math.isclose(record["attention_shift_magnitude"], expected_tv, rel_tol=1e-6)
    assert math.isclose(
        record["smoothness"], torch.nn.functional.cosine_similarity(a.s_final, b.s_final, dim=0).item(), rel_tol=1e-5
    )
    first = cetana_record(None, a, LABELS)["transition"]
    assert first["from"] is None and first["attention_shift_magnitude"] is None and first["smoothness"] is None
    closed = cetana_record(a, _decision(2, 0, False), LABELS)["transition"]
    assert closed["to"] is None and closed["smoothness"] is None


def test_written_logs_validate_and_bad_lines_are_named(tmp_path: Path) -> None:
    decisions = [_decision(0, 0, True), _decision(1, 0, True, 0.7), _decision(2, 1, False)]
    probe = write_jsonl(tmp_path / "probe.jsonl", [probe_record(d, LABELS, 0.4, 1e-4, 20) for d in decisions])
    cetana = write_jsonl(
        tmp_path / "cetana.jsonl", [cetana_record(p, c, LABELS) for p, c in zip([None, *decisions[:-1]], decisions)]
    )
    assert validate_log(probe, "probe") == 3 and validate_log(cetana, "cetana") == 3
    assert [json.loads(line)["transition"]["type"] for line in cetana.read_text().splitlines()] == [
        "Shift",
        "Deepening",
        "Distracted",
    ]
    with pytest.raises(UserError, match=r"cetana.jsonl:1: .*"):
        validate_log(cetana, "probe")
    (tmp_path / "bad.jsonl").write_text('{"step": 0}\nnot json\n')
    with pytest.raises(UserError, match=r"bad.jsonl:1: record: 'transition' is a required property"):
        validate_log(tmp_path / "bad.jsonl", "cetana")
    with pytest.raises(UserError, match="unknown log kind"):
        validate_log(probe, "diary")
