"""One claim type and one rule that decides whether it holds.

A `Claim` is one row of any verdict semphys reports: what is claimed, the measured value with its
interval, the spec's threshold where the spec gives one, and the nulls it must beat. Its `kind` is a
constant of the row, never computed from its outcome:

    finding      an empirical claim about a model or process; decided by the rule below, and
                 adjusted together with the other findings of its document (Holm)
    design       true by construction of the method (a check that the design does what it says);
                 decided by the same rule, unadjusted, and never counted as a finding
    check        agreement with a known answer (a closed form, a reference implementation, a
                 tolerance); holds when its threshold passes and any null it has is beaten
    exploratory  a variant that was not pre-declared as primary; reported, never decided

The rule (`decide`), for findings and design rows:
    1. the threshold passes, where there is one;
    2. the claim's p is the largest p over its nulls (every null must be beaten);
    3. findings: p_adjusted is Holm's adjustment over the finding rows of one document, both models
       together; a claim whose p is already max-over-layers adjusted (`adjustment="maxT"`) enters
       Holm with that p. Design rows: p_adjusted = p;
    4. p_adjusted <= alpha (0.05);
    5. the interval lies wholly on the better side of every null's median.
A finding with no null, no interval or no value is n/a (`holds` None): it cannot be evidence.
"""

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from semphys.evidence.stats import Better, holm, p_floor, percentile_interval, permutation_p

Kind = Literal["finding", "design", "check", "exploratory"]
KINDS: tuple[str, ...] = ("finding", "design", "check", "exploratory")
"""What a claim row is: a finding (decided against its nulls), a property of the design (true by
construction), a check of the code, or exploratory (reported, never decided)."""
ThresholdSource = Literal["spec", "semphys"]
Adjustment = Literal["holm", "maxT"]
ALPHA = 0.05
"""Family-wise error level of every document's findings."""


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


@dataclass(frozen=True)
class Null:
    """One null a claim must beat: its draws summarised and where the real value lies among them.

    For a resampling null `draws` counts the draws and `p_floor` is 1 / (1 + draws). For an exact
    test (McNemar, an enumerated sign flip) `draws` is None and `p_floor` is the test's own floor.
    `p50` is the null's median of the claim's statistic (for a paired difference, 0).
    """

    name: str
    draws: int | None
    n: int | None
    """Sample size of each draw: the real statistic's."""
    p5: float | None
    p50: float | None
    p95: float | None
    p: float | None
    p_floor: float | None

    @classmethod
    def from_draws(
        cls,
        name: str,
        draws: np.ndarray,
        value: float | None,
        better: Better,
        n: int | None = None,
        p: float | None = None,
    ) -> "Null":
        """Summarise null `draws` [n_draws] of the claim's statistic and place `value` among them.

        p: an already computed p (e.g. max-over-layers adjusted) to keep instead of the plain one.
        """
        finite = np.asarray(draws, dtype=np.float64).ravel()
        finite = finite[np.isfinite(finite)]
        if finite.size == 0:
            return cls(name, 0, n, None, None, None, None, None)
        p5, p50, p95 = (float(v) for v in np.percentile(finite, [5, 50, 95]))
        if p is None and _finite(value):
            p = permutation_p(value, finite, better)
        return cls(name, int(finite.size), n, p5, p50, p95, p, p_floor(int(finite.size)))

    @classmethod
    def exact(cls, name: str, p: float | None, floor: float, n: int | None = None, p50: float = 0.0) -> "Null":
        """An exact test's null (no draws): its p, its floor, and the null's median statistic."""
        return cls(name, None, n, None, p50, None, p, floor)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Claim:
    """One claim row. Build it with its measurements, then let `decide` fill `p_adjusted` and `holds`."""

    claim: str
    kind: Kind
    value: float | None
    better: Better = "higher"
    """Which side of the threshold and of the nulls is evidence for the claim."""
    interval: tuple[float, float] | None = None
    interval_method: str | None = None
    threshold: float | None = None
    threshold_source: ThresholdSource | None = None
    nulls: tuple[Null, ...] = ()
    adjustment: Adjustment = "holm"
    model: str | None = None
    key: str | None = None
    """A stable identifier of the row within its document (e.g. `jump`, `lens_agreement_3`)."""
    detail: str = ""
    p_adjusted: float | None = None
    holds: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.better not in ("higher", "lower"):
            raise ValueError(f"better must be 'higher' or 'lower', not {self.better!r}")
        if (self.threshold is None) != (self.threshold_source is None):
            raise ValueError(f"{self.claim!r}: a threshold needs its source ('spec' or 'semphys') and vice versa")
        if self.kind in ("finding", "design") and not self.nulls:
            raise ValueError(f"{self.claim!r}: a {self.kind} row needs at least one null")
        if self.kind == "check" and self.threshold is None and not self.nulls:
            raise ValueError(f"{self.claim!r}: a check row needs a threshold or a null")
        if self.interval is not None:
            object.__setattr__(self, "interval", (float(self.interval[0]), float(self.interval[1])))

    @property
    def threshold_passed(self) -> bool | None:
        """Whether the value is on the better side of the threshold; None without threshold or value."""
        if self.threshold is None or not _finite(self.value):
            return None
        return bool(self.value > self.threshold) if self.better == "higher" else bool(self.value < self.threshold)

    @property
    def p(self) -> float | None:
        """The largest p over the nulls (every null must be beaten); None when any null has none."""
        ps = [null.p for null in self.nulls]
        return None if not ps or any(p is None for p in ps) else float(max(ps))

    @property
    def p_floor(self) -> float | None:
        """The smallest p this claim's draw counts allow (the largest of its nulls' floors)."""
        floors = [null.p_floor for null in self.nulls]
        return None if not floors or any(f is None for f in floors) else float(max(floors))

    def clears_nulls(self) -> bool | None:
        """Whether the interval lies on the better side of every null's median; None without interval."""
        if self.interval is None or not all(math.isfinite(v) for v in self.interval):
            return None
        medians = [null.p50 for null in self.nulls]
        if any(m is None for m in medians):
            return None
        lo, hi = self.interval
        return all(lo > m for m in medians) if self.better == "higher" else all(hi < m for m in medians)

    @property
    def outcome(self) -> str:
        """`holds`, `fails`, `n/a` or `exploratory`: the word a table shows."""
        if self.kind == "exploratory":
            return "exploratory"
        return "n/a" if self.holds is None else "holds" if self.holds else "fails"

    def to_dict(self) -> dict[str, Any]:
        """The JSON row (`claim.schema.json`): the fields, the derived p, floor and threshold outcome."""
        return {
            "claim": self.claim,
            "kind": self.kind,
            "key": self.key,
            "model": self.model,
            "value": self.value,
            "better": self.better,
            "interval": list(self.interval) if self.interval is not None else None,
            "interval_method": self.interval_method,
            "threshold": self.threshold,
            "threshold_source": self.threshold_source,
            "threshold_passed": self.threshold_passed,
            "nulls": [null.to_dict() for null in self.nulls],
            "p": self.p,
            "p_floor": self.p_floor,
            "adjustment": self.adjustment,
            "p_adjusted": self.p_adjusted,
            "holds": self.holds,
            "outcome": self.outcome,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> "Claim":
        """A claim read back from its JSON row (derived keys are recomputed, not trusted)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kept = {k: v for k, v in row.items() if k in names}
        kept["nulls"] = tuple(Null(**null) for null in row.get("nulls", []))
        kept["interval"] = tuple(row["interval"]) if row.get("interval") is not None else None
        return cls(**kept)


def _decided(claim: Claim, p_adjusted: float | None, alpha: float) -> Claim:
    """`claim` with `p_adjusted` and `holds` set by the rule (see the module docstring)."""
    if claim.kind == "exploratory":
        return dataclasses.replace(claim, p_adjusted=None, holds=None)
    threshold = claim.threshold_passed
    if not _finite(claim.value) or (claim.threshold is not None and threshold is None):
        return dataclasses.replace(claim, p_adjusted=p_adjusted, holds=None)
    if claim.kind == "check" and not claim.nulls:
        return dataclasses.replace(claim, p_adjusted=None, holds=threshold)
    clears = claim.clears_nulls()
    if threshold is False or (p_adjusted is not None and p_adjusted > alpha) or clears is False:
        return dataclasses.replace(claim, p_adjusted=p_adjusted, holds=False)
    if p_adjusted is None or (clears is None and claim.kind != "check"):
        return dataclasses.replace(claim, p_adjusted=p_adjusted, holds=None)
    return dataclasses.replace(claim, p_adjusted=p_adjusted, holds=True)


def decide(claims: list[Claim], alpha: float = ALPHA) -> list[Claim]:
    """Every claim of one document decided by the one rule; findings Holm-adjusted together.

    Pass all the claims of a results document at once (both models together): the Holm family is the
    finding rows among them that have a p. Order is kept.
    """
    findings = [i for i, c in enumerate(claims) if c.kind == "finding" and c.p is not None]
    adjusted = dict(zip(findings, holm(np.array([claims[i].p for i in findings])).tolist()))
    out = []
    for i, claim in enumerate(claims):
        p_adjusted = adjusted.get(i) if claim.kind == "finding" else claim.p if claim.kind != "exploratory" else None
        out.append(_decided(claim, p_adjusted, alpha))
    return out


def draws_interval(draws: np.ndarray, method: str, level: float = 0.95) -> dict[str, Any]:
    """`interval` and `interval_method` keyword arguments of a Claim from bootstrap `draws` [n_draws]."""
    low, high = percentile_interval(np.asarray(draws, dtype=np.float64), level)
    return {"interval": (float(low), float(high)), "interval_method": method}


def seed_floor(claims: Sequence[Claim], n_seeds: int) -> dict[str, Any]:
    """What n seeds allow the paired rows: the exact sign-flip floor 1/2^n, the Holm family (the findings with a p)
    and whether a paired finding could hold at all (findings x floor <= alpha)."""
    findings = sum(1 for c in claims if c.kind == "finding" and c.p is not None)
    floor = 0.5**n_seeds
    possible = findings * floor <= ALPHA
    note = (
        f"{n_seeds} seed(s): an exact paired sign-flip test cannot give p below 1/2^{n_seeds} = {floor:.3g}, and Holm "
        f"over {findings} findings multiplies the smallest p by {findings}: "
    )
    note += (
        "a paired row can hold" + (" only when every seed agrees in sign" if 2 * findings * floor > ALPHA else "")
        if possible
        else f"no paired row can hold ({findings} x {floor:.3g} > {ALPHA}); use more seeds"
    )
    return {"n_seeds": n_seeds, "p_floor": floor, "findings": findings, "rows_can_hold": bool(possible), "note": note}
