"""Does semphys read this model correctly? Each reader against the model itself (`semphys lm check`).

In the spirit of NDIF's nnbench (per-model correctness cells against the plain HF model), every row
compares one semphys reader with what the model's own code computes, on the same input:

    capture = hidden states     `capture_residuals`, one prompt at a time, at every layer and every word
                                of the check texts, against the model's own unbatched
                                `output_hidden_states` (max relative difference)
    final norm                  `capture_residuals(final_norm=True)` at the last index against the body's
                                own `last_hidden_state`
    padded batch = unbatched    the same capture batched with right padding against one prompt at a time
    token states                `token_states` against `output_hidden_states` at a few layers
    queries / keys              `qk_weights` applied to random attention inputs against the q and k the
                                attention module itself computes from them (read inside its attention
                                call; one token per sequence, so rotary embeddings rotate by 0)
    next-token distribution     `next_token_distribution` against the log-softmax of the model's logits
    incremental = full forward  `IncrementalDecoder` (KV cache) against one full forward over the same
                                tokens: max log-probability difference, and top-1 agreement

Tolerances (float32). A reader that is right differs from the model only by float32 rounding in a
different summation order: about sqrt(d) u per matmul (u = 6e-8 the unit roundoff), a few 1e-6
relative through a deep model; a reader that is wrong (a wrong head split, a wrong position id, a pad
token leaking into a real one) is off by O(1). `CheckConfig` holds each bound, between the two.

Every row is an `evidence.Claim` of kind `check`: the measured difference as its value, the tolerance
as its threshold (source `semphys`, better `lower`: it holds when the difference is below it), decided
by `evidence.decide`; the command's document and text are `semphys.experiments.lm.check`. Rows
that do not apply (no attention in Mamba; no next token in an encoder) have no value and read `n/a`,
with why. A reader that cannot read the model at all is scored as the zero
reading (relative difference 1) and fails.

    rows     what every row shares: `CheckConfig`, the relative difference, a difference as a `check` claim
    capture  the capture rows (hidden states, final norm, padded batch, token states)
    qk       the query/key rows, read inside the attention module's own call
    logits   the next-token and incremental-decoding rows
"""

from dataclasses import dataclass, field

from semphys.core.threads import torch_threads
from semphys.evidence import Claim, decide
from semphys.lm.check.capture import capture_rows
from semphys.lm.check.logits import logit_rows
from semphys.lm.check.qk import qk_rows
from semphys.lm.check.rows import CheckConfig
from semphys.lm.models.loading import LM


@dataclass
class CheckReport:
    """One model's check: its facts and layout, and one decided `Claim` (kind `check`) per comparison."""

    model: str
    facts: dict
    layout: dict
    claims: list[Claim] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no claim failed (claims that do not apply do not fail)."""
        return all(claim.holds is not False for claim in self.claims)


def check_model(lm: LM, config: CheckConfig = CheckConfig()) -> CheckReport:
    """Every row of the module docstring for a loaded model."""
    with torch_threads(config.threads):
        claims = capture_rows(lm, config) + qk_rows(lm, config) + logit_rows(lm, config)
    return CheckReport(
        model=lm.facts.spec, facts=lm.facts.to_dict(), layout=lm.layout.describe(), claims=decide(claims)
    )
