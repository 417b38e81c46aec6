"""Streaming inference (spec 002 §5): windows of W tokens over a text, gate, refinement, both logs.

1. Input buffer   the text's token states at the model's layer (`semphys.lm.token_states`, the
                  text cut into chunks the language model can take), cut into consecutive
                  windows of W tokens (the last one may be shorter)
2. Probe scan     Score_k for every window (§3.1)
3. Gate           max Score < theta: "Gate Closed (Noise)", output Null; else S_0 (§3.2)
4. Refinement     S <- (1 - b) S + b Phi_win(S) until |dS| < eps or t_max (hard mode, §3.3)
5. Output         S_final per open window (None for a closed one), the Probe Log and the Cetana
                  Dynamics Log (`semphys.samadhi.logs`)
"""

from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.lm import LM, token_states
from semphys.samadhi.logs import WindowDecision, cetana_record, probe_record
from semphys.samadhi.model import SamadhiModel

CHUNK_TOKENS = 256
"""Tokens per language-model call when a text is longer than that (well inside every context here)."""


@dataclass
class Window:
    """One window of the input buffer."""

    token_start: int
    token_end: int
    text: str
    states: Tensor
    """[n_tokens, d] raw token states (not standardised)."""


@dataclass
class StreamResult:
    decisions: list[WindowDecision]
    probe_log: list[dict]
    cetana_log: list[dict]

    def outputs(self) -> list[Tensor | None]:
        """S_final per window, None (Null, §5.3) where the gate closed."""
        return [d.s_final for d in self.decisions]


def text_windows(lm: LM, text: str, layer: int, window: int, chunk_tokens: int = CHUNK_TOKENS) -> list[Window]:
    """The text's token states at `layer`, cut into windows of `window` tokens (§5.1)."""
    if not text.strip():
        raise UserError("empty text: give at least one word to stream")
    if window < 1:
        raise UserError(f"window size must be at least 1 token, got {window}")
    offsets = lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    bounds = [
        (offsets[i][0], offsets[min(i + chunk_tokens, len(offsets)) - 1][1])
        for i in range(0, len(offsets), chunk_tokens)
    ]
    chunks = token_states(lm, [text[a:b] for a, b in bounds], layer)
    states = torch.cat(chunks.states)
    spans = [(a + start, a + end) for (a, _), offs in zip(bounds, chunks.offsets) for start, end in offs]
    if len(states) == 0:
        raise UserError("the text has no token the model can read")
    return [
        Window(
            i,
            min(i + window, len(states)),
            text[spans[i][0] : spans[min(i + window, len(states)) - 1][1]],
            states[i : i + window],
        )
        for i in range(0, len(states), window)
    ]


def run_stream(model: SamadhiModel, windows: list[Window], solver: str = "plain") -> StreamResult:
    """Decide, refine and log every window (hard mode, §5)."""
    if not windows:
        raise UserError("no window to stream")
    width = max(len(w.states) for w in windows)
    x = torch.zeros(len(windows), width, model.config.d_model)
    mask = torch.zeros(len(windows), width, dtype=torch.bool)
    for i, w in enumerate(windows):
        if w.states.shape[-1] != model.config.d_model:
            raise UserError(
                f"input width {w.states.shape[-1]} does not match the model's d_model {model.config.d_model}"
            )
        x[i, : len(w.states)] = w.states
        mask[i, : len(w.states)] = True
    result = model.infer(model.standardise(x) * mask[..., None], mask, solver=solver, mode="hard")
    out = result.vitakka
    decisions = [
        WindowDecision(
            window=i,
            token_start=w.token_start,
            token_end=w.token_end,
            text=w.text,
            scores=out.scores[i],
            probs=out.weights[i],
            winner=int(out.winner[i]),
            gate=bool(out.gate[i]),
            s_final=result.s_final[i] if out.gate[i] else None,
            steps=int(result.stats.iterations[i]),
            converged=bool(result.stats.converged[i]),
            residual=float(result.stats.residual[i]),
            solver=solver,
        )
        for i, w in enumerate(windows)
    ]
    labels = model.config.probe_labels()
    cfg = model.config
    probe_log = [probe_record(d, labels, cfg.theta, cfg.eps, cfg.t_max) for d in decisions]
    cetana_log = [cetana_record(prev, cur, labels) for prev, cur in zip([None, *decisions[:-1]], decisions)]
    return StreamResult(decisions, probe_log, cetana_log)
