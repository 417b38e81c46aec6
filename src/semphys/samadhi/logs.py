"""Module C, Sati-Sampajanna (spec 002 §2 C, §4): the Probe Log and the Cetana Dynamics Log.

Both are JSON Lines: one JSON object per window, in window order. Each carries the spec's fields
verbatim (§4.1, §4.2) plus a few that make a record self-explaining; `PROBE_LOG_SCHEMA` and
`CETANA_LOG_SCHEMA` are JSON Schemas (draft 2020-12) that every written record satisfies
(`validate_log`).

Probe Log (§4.1), per window:
    timestamp          milliseconds since the Unix epoch when the window was decided
    intention          winner_id (argmax_k Score_k), winner_label, confidence (w_hat of the winner),
                       gate_status ("OPEN" / "CLOSED"), entropy (of w_hat, nats)
    raw_scores         Score_k of §3.1 for every probe. (The spec's example shows numbers that sum to
                       one; those are w_hat, written here as `probabilities`. The gate compares the raw
                       scores with theta, so the raw ones are what a reader needs.)
    + window, token_start, token_end, text, max_score, theta, probabilities,
      message ("Gate Open (Focus: <label>)" or "Gate Closed (Noise)", §5.3),
      refinement: null when the gate is closed (the output is Null, §5.3), else {solver, steps,
      converged, status ("CONVERGED" / "NOT_CONVERGED"), final_residual, eps, t_max, state_norm}.
      A window that reached t_max without |S_{t+1} - S_t| < eps is NOT_CONVERGED, never CONVERGED.

Cetana Dynamics Log (§4.2), per window t (`step`), comparing it with window t - 1:
    transition.from / to   the winner label of window t - 1 / t, null when that window's gate was
                           closed (its output is Null) or, for `from`, when t is the first window
    transition.type        one of:
        Distracted   the gate of window t is closed: the input was taken for noise;
        Shift        the gate of t is open and window t - 1 was closed, absent, or had another winner;
        Deepening    same winner as an open window t - 1, and its resonance Score_win rose by more
                     than `deepening_margin` (score units; theta is 0.3-0.5 on the same scale);
        Sustain      same winner as an open window t - 1, resonance not risen by more than the margin.
    attention_shift_magnitude   total-variation distance 1/2 sum_k |w_hat_t - w_hat_{t-1}| in [0, 1]
                                (null for the first window)
    smoothness                  cosine similarity of S_final of windows t - 1 and t (null unless both
                                gates are open)
"""

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import torch
from torch import Tensor

from semphys.core.errors import UserError

TRANSITION_TYPES: tuple[str, ...] = ("Sustain", "Shift", "Distracted", "Deepening")
DEEPENING_MARGIN = 0.05

_NUMBER_OR_NULL = {"type": ["number", "null"]}

PROBE_LOG_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "semphys samadhi Probe Log record (spec 002 §4.1)",
    "type": "object",
    "required": [
        "timestamp",
        "intention",
        "raw_scores",
        "window",
        "token_start",
        "token_end",
        "max_score",
        "theta",
        "probabilities",
        "message",
        "refinement",
    ],
    "properties": {
        "timestamp": {"type": "integer", "minimum": 0},
        "intention": {
            "type": "object",
            "required": ["winner_id", "winner_label", "confidence", "gate_status", "entropy"],
            "properties": {
                "winner_id": {"type": "integer", "minimum": 0},
                "winner_label": {"type": "string"},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "gate_status": {"enum": ["OPEN", "CLOSED"]},
                "entropy": {"type": "number", "minimum": 0},
            },
        },
        "raw_scores": {"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 1},
        "probabilities": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}, "minItems": 1},
        "window": {"type": "integer", "minimum": 0},
        "token_start": {"type": "integer", "minimum": 0},
        "token_end": {"type": "integer", "minimum": 1},
        "text": {"type": "string"},
        "max_score": {"type": "number"},
        "theta": {"type": "number"},
        "message": {"type": "string", "pattern": r"^(Gate Open \(Focus: .+\)|Gate Closed \(Noise\))$"},
        "refinement": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": [
                        "solver",
                        "steps",
                        "converged",
                        "status",
                        "final_residual",
                        "eps",
                        "t_max",
                        "state_norm",
                    ],
                    "properties": {
                        "solver": {"enum": ["plain", "anderson"]},
                        "steps": {"type": "integer", "minimum": 0},
                        "converged": {"type": "boolean"},
                        "status": {"enum": ["CONVERGED", "NOT_CONVERGED"]},
                        "final_residual": {"type": "number", "minimum": 0},
                        "eps": {"type": "number", "exclusiveMinimum": 0},
                        "t_max": {"type": "integer", "minimum": 1},
                        "state_norm": {"type": "number", "minimum": 0},
                    },
                },
            ],
        },
    },
}

CETANA_LOG_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "semphys samadhi Cetana Dynamics Log record (spec 002 §4.2)",
    "type": "object",
    "required": ["step", "transition"],
    "properties": {
        "step": {"type": "integer", "minimum": 0},
        "transition": {
            "type": "object",
            "required": ["from", "to", "type", "attention_shift_magnitude", "smoothness"],
            "properties": {
                "from": {"type": ["string", "null"]},
                "to": {"type": ["string", "null"]},
                "type": {"enum": list(TRANSITION_TYPES)},
                "attention_shift_magnitude": {**_NUMBER_OR_NULL, "minimum": 0, "maximum": 1},
                "smoothness": {**_NUMBER_OR_NULL, "minimum": -1, "maximum": 1},
            },
        },
    },
}

SCHEMAS: dict[str, dict] = {"probe": PROBE_LOG_SCHEMA, "cetana": CETANA_LOG_SCHEMA}


@dataclass
class WindowDecision:
    """What the model decided for one window: the facts both logs are written from."""

    window: int
    token_start: int
    token_end: int
    text: str
    scores: Tensor
    """[K] raw Score_k."""
    probs: Tensor
    """[K] w_hat."""
    winner: int
    gate: bool
    s_final: Tensor | None
    """[d], None when the gate is closed (the output is Null)."""
    steps: int = 0
    converged: bool = False
    residual: float = math.nan
    solver: str = "plain"


def entropy(probs: Tensor) -> float:
    """Shannon entropy of a distribution [K] in nats (0 log 0 = 0)."""
    p = probs.double().clamp_min(0)
    return float((-(p * p.clamp_min(1e-300).log()).sum()).clamp_min(0))


def probe_record(decision: WindowDecision, labels: list[str], theta: float, eps: float, t_max: int) -> dict:
    """The §4.1 Probe Log record of one window."""
    label = labels[decision.winner]
    refinement = None
    if decision.gate:
        refinement = {
            "solver": decision.solver,
            "steps": decision.steps,
            "converged": decision.converged,
            "status": "CONVERGED" if decision.converged else "NOT_CONVERGED",
            "final_residual": float(decision.residual),
            "eps": eps,
            "t_max": t_max,
            "state_norm": float(decision.s_final.norm()),
        }
    return {
        "timestamp": int(time.time() * 1000),
        "intention": {
            "winner_id": decision.winner,
            "winner_label": label,
            "confidence": float(decision.probs[decision.winner]),
            "gate_status": "OPEN" if decision.gate else "CLOSED",
            "entropy": entropy(decision.probs),
        },
        "raw_scores": [float(s) for s in decision.scores],
        "window": decision.window,
        "token_start": decision.token_start,
        "token_end": decision.token_end,
        "text": decision.text,
        "max_score": float(decision.scores.max()),
        "theta": theta,
        "probabilities": [float(p) for p in decision.probs],
        "message": f"Gate Open (Focus: {label})" if decision.gate else "Gate Closed (Noise)",
        "refinement": refinement,
    }


def transition_type(previous: WindowDecision | None, current: WindowDecision, margin: float = DEEPENING_MARGIN) -> str:
    """Sustain / Shift / Distracted / Deepening, as defined in the module docstring."""
    if not current.gate:
        return "Distracted"
    if previous is None or not previous.gate or previous.winner != current.winner:
        return "Shift"
    rise = float(current.scores[current.winner] - previous.scores[previous.winner])
    return "Deepening" if rise > margin else "Sustain"


def cetana_record(
    previous: WindowDecision | None, current: WindowDecision, labels: list[str], margin: float = DEEPENING_MARGIN
) -> dict:
    """The §4.2 Cetana Dynamics record of window `current` against `previous` (None for the first)."""
    shift = None if previous is None else float(0.5 * (current.probs - previous.probs).abs().sum())
    smooth = None
    if previous is not None and previous.s_final is not None and current.s_final is not None:
        smooth = float(torch.nn.functional.cosine_similarity(previous.s_final, current.s_final, dim=0))
    return {
        "step": current.window,
        "transition": {
            "from": labels[previous.winner] if previous is not None and previous.gate else None,
            "to": labels[current.winner] if current.gate else None,
            "type": transition_type(previous, current, margin),
            "attention_shift_magnitude": None if shift is None else min(max(shift, 0.0), 1.0),
            "smoothness": None if smooth is None else min(max(smooth, -1.0), 1.0),
        },
    }


def validate_log(path: Path, kind: str) -> int:
    """Check every line of a JSON Lines log against its schema (`probe` or `cetana`); returns the count.

    Raises `UserError` naming the file, line and problem.
    """
    if kind not in SCHEMAS:
        raise UserError(f"unknown log kind {kind!r}: choose one of {', '.join(SCHEMAS)}")
    validator = jsonschema.Draft202012Validator(SCHEMAS[kind])
    count = 0
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise UserError(f"{path}:{number}: not JSON ({err.msg})") from None
            error = next(iter(validator.iter_errors(record)), None)
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path) or "record"
                raise UserError(f"{path}:{number}: {where}: {error.message}")
            count += 1
    return count
