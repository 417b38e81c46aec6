"""The Langevin subsystem's commands (spec 000), one experiment each (`semphys.experiments.base`).

    simulate        `semphys langevin simulate`: many particles in a landscape; trajectory.npz, summary.json, PNGs
    validate        `semphys langevin validate`: the simulator against theory (`semphys.langevin.checks`)
    generate        `semphys langevin generate`: text from the melt / guide / crystallise cycle; generation.json
    measure         `semphys langevin measure`: a model's own inference as a Langevin process; measure.json
    measure_report  the figures and report.html of `measure`

Schemas beside them: summary (simulate), validate, generate, measure (`<name>.schema.json`).
"""
