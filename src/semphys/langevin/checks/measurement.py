"""One row of the validation: a `Measurement` against its closed form, and how its tolerance is computed.

A statistical check's tolerance is computed in the run, never written down: `Z_SIGMA` standard
errors of the measurement plus the scheme's O(dt) bias at the step used (`band`), the bias measured
by step doubling (`doubling_bias`). Round-off checks compare with a fixed float64 bound (`ROUND_OFF`).
"""

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from semphys.evidence import Claim

Z_SIGMA = 4.0
"""Standard errors in a statistical tolerance: a correct simulator fails a given row with probability
about 6e-5 (two-sided normal), about 1e-3 over the twelve rows."""


def band(stderr: float, bias: float = 0.0) -> float:
    """A statistical tolerance: `Z_SIGMA` standard errors plus the scheme's bias at the step used."""
    return Z_SIGMA * stderr + abs(bias)


def doubling_bias(at_dt: float, at_2dt: float, order: int) -> float:
    """Bias at dt of a weak-order-`order` scheme from the same measurement at dt and 2 dt (Richardson)."""
    return abs(at_2dt - at_dt) / (2**order - 1)


@dataclass
class Measurement:
    """One measurement of the validation against its closed form; its row is `claim()` (kind `check`)."""

    name: str
    description: str
    measured: float
    expected: float
    tolerance: float
    """Allowed |measured - expected| (absolute), or for `relative` checks |measured/expected - 1|."""
    relative: bool = False
    seconds: float = 0.0
    detail: dict = field(default_factory=dict)
    """Extra numbers (standard errors, parameters, the asymptotic formula, plot data)."""

    @property
    def deviation(self) -> float:
        if self.relative:
            return abs(self.measured / self.expected - 1)
        return abs(self.measured - self.expected)

    def claim(self) -> Claim:
        """The row as an `evidence.Claim` of kind `check`: |measured - expected| (relative where stated) below
        the tolerance computed in the run (undecided: `evidence.decide` fills `holds`)."""
        deviation = self.deviation if math.isfinite(self.measured) else None
        how = "relative deviation" if self.relative else "deviation"
        return Claim(
            f"{self.name}: {self.description}",
            "check",
            value=deviation,
            better="lower",
            threshold=self.tolerance,
            threshold_source="semphys",
            key=self.name,
            detail=f"{how} of measured {self.measured:.6g} from expected {self.expected:.6g}; tolerance "
            f"computed in the run ({Z_SIGMA:g} standard errors plus the scheme's bias where one is "
            "expected, or a float64 round-off bound)",
        )

    def to_dict(self, with_detail: bool = True) -> dict:
        out = {k: v for k, v in asdict(self).items() if with_detail or k != "detail"}
        out["deviation"] = self.deviation
        if with_detail:
            out["detail"] = {k: v for k, v in self.detail.items() if not isinstance(v, (np.ndarray, torch.Tensor))}
        return out


def last_axis(d: int) -> torch.Tensor:
    """mu = e_d, the last coordinate axis of R^d: the direction of every check's landscape."""
    axis = torch.zeros(d, dtype=torch.float64)
    axis[-1] = 1.0
    return axis


ROUND_OFF = 1e-10
"""Bound for quantities that are zero in exact arithmetic (float64 steps accumulate ~1e-16 per operation)."""
