"""The simulator against theory (spec 000 §4.1-4.3): typed measurements, each against a closed form.

measurement  `Measurement` (one row and its `evidence.Claim`), the tolerance rule (`band`, `doubling_bias`)
stationary   stationary laws: vMF, equipartition and the constraint, position-dependent friction
dynamics     motion: OU autocorrelation, the FEP's step response, Kramers rates, the weak order
suite        `CHECKS` by name and `run_validation` (what `semphys langevin validate` runs)
"""

from semphys.langevin.checks.measurement import Measurement
from semphys.langevin.checks.suite import CHECKS, run_validation

__all__ = ["CHECKS", "Measurement", "run_validation"]
