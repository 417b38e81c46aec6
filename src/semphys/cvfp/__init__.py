"""semphys.cvfp: the CVFP (Context Vector Fixed-Point Property) language model of spec 004, its identity
collapse, and training that avoids it.

Spec 004's core hypothesis: the context vector converges to a fixed point through iterative refinement,
and a meaningful representation emerges from it.

    model        CVFPLayer, CVFPBlock, CVFPModel, CVFPConfig (the spec's defaults)
    parallel     contexts of a whole sequence: the sequential loop, or Jacobi / block Jacobi through
                 `semphys.core.fixedpoint.solve`
    stage1       the spec's Phase 1 (whole-stream passes; spec loss and corrected loss)
    predictive   our Phase 1: next-token cross-entropy + two-pass fixed-point MSE on windows
    stage2       the spec's Phase 2: next-token head on frozen contexts
    diagnostics  identity cosine, token cos distance and variance share, converged ratio per pass,
                 effective rank, EMA stats
    claims       a multi-seed comparison's claims, paired by seed (CVFP against each baseline, no collapse,
                 determinism)
    config       RunConfig and the --quick preset

The commands (`semphys cvfp train|eval|compare`: run directories, checkpoints, documents, figures) are
`semphys.experiments.cvfp`. Imports `semphys.textlm`, `semphys.data` (through it), `semphys.evidence` and the
ground floor (`semphys.core.fixedpoint`), never another subsystem.
"""

from semphys.cvfp.claims import cvfp_claims
from semphys.cvfp.config import RunConfig, config_from_json, quick_config
from semphys.cvfp.diagnostics import Diagnostics, diagnose
from semphys.cvfp.model import CVFPBlock, CVFPConfig, CVFPLayer, CVFPModel
from semphys.cvfp.parallel import compare_solvers, parallel_contexts, sequential_contexts
from semphys.cvfp.predictive import predictive_loss
from semphys.cvfp.stage1 import Stage1Config, Stage1Result, run_stage1
from semphys.cvfp.stage2 import freeze_context, phase2_loss

__all__ = [
    "CVFPBlock",
    "CVFPConfig",
    "CVFPLayer",
    "CVFPModel",
    "Diagnostics",
    "RunConfig",
    "Stage1Config",
    "Stage1Result",
    "compare_solvers",
    "config_from_json",
    "cvfp_claims",
    "diagnose",
    "freeze_context",
    "parallel_contexts",
    "phase2_loss",
    "predictive_loss",
    "quick_config",
    "run_stage1",
    "sequential_contexts",
]
