"""What every row of `semphys lm check` shares: its inputs and bounds (`CheckConfig`), the difference it
measures (`relative_difference`) and that difference decided against its bound as a `check` claim
(`check_claim`; `ZERO_READING` for a reader that refused the model).
"""

from dataclasses import dataclass

from torch import Tensor

from semphys.evidence import Claim

CHECK_TEXTS = (
    "I sat by the river bank and watched the water.",
    "She deposited her savings at the bank before noon, then walked home.",
    "The bat hung upside down.",
)


@dataclass(frozen=True)
class CheckConfig:
    """Inputs and bounds of the check (see `semphys.lm.check` for the bounds' reasoning)."""

    texts: tuple[str, ...] = CHECK_TEXTS
    """Texts whose every word is a capture target."""
    prompt: str = "The river bank"
    """Prompt the incremental decoder continues."""
    decode_steps: int = 4
    """Tokens decoded greedily and compared with the full forward."""
    top_k: int = 5
    """Candidates compared per decoding step."""
    n_random: int = 16
    """Random attention inputs per layer for the query/key rows."""
    seed: int = 0
    threads: int | None = None
    """torch threads for the check (None: torch's default; 1 is fastest for tiny models on a loaded machine)."""
    capture_tolerance: float = 1e-5
    """Capture against the model's own unbatched hidden states: the same arithmetic, so about 0."""
    batch_tolerance: float = 1e-4
    """Padded batch against unbatched: a different matmul shape and an attention mask."""
    qk_tolerance: float = 1e-4
    """Queries and keys from qk_weights against the module's own."""
    logprob_tolerance: float = 1e-3
    """Incremental against full forward log-probabilities (nats): a KV cache and a 1-token matmul."""


def check_claim(name: str, key: str, value: float | None, tolerance: float, detail: str) -> Claim:
    """One comparison as a `check` claim: it holds when `value` (a difference) is below `tolerance`.

    value None: the comparison does not apply to this model (`n/a`; `detail` says why)."""
    return Claim(
        name,
        "check",
        value=None if value is None else float(value),
        better="lower",
        threshold=tolerance,
        threshold_source="semphys",
        key=key,
        detail=detail,
    )


ZERO_READING = 1.0
"""Relative difference of a reader that reads nothing (the zero vector) from any non-zero truth: the value
of a row whose reader refused the model."""


def relative_difference(a: Tensor, b: Tensor) -> float:
    """||a - b|| / ||b|| over the last axis, the worst row."""
    a, b = a.double(), b.double()
    return float(((a - b).norm(dim=-1) / b.norm(dim=-1).clamp_min(1e-30)).max())
