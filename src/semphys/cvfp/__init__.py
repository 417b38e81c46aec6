"""semphys.cvfp: the CVFP language model of spec 004, its identity collapse, and training that avoids it.

    model        CVFPLayer, CVFPBlock, CVFPModel, CVFPConfig (the spec's defaults)
    parallel     contexts of a whole sequence: the sequential loop, or Jacobi / block Jacobi through
                 `semphys.core.fixedpoint.solve`
    stage1       the spec's Phase 1 (whole-stream passes; spec loss and corrected loss)
    predictive   our Phase 1: next-token cross-entropy + two-pass fixed-point MSE on windows
    stage2       the spec's Phase 2: next-token head on frozen contexts
    diagnostics  identity cosine, token cos distance and variance share, converged ratio per pass,
                 effective rank, EMA stats
    config       RunConfig and the --quick preset
    run          train_run / evaluate_run (checkpoints, resume, baselines, eval.json)
    plots        figures of a run

Imports `semphys.textlm`, `semphys.data` (through it) and the ground floor (`semphys.core.fixedpoint`), never
another subsystem.
"""
