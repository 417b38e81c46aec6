"""semphys.experiments: one module per command, each of the same shape (`base`).

    base       Command, execute: validate, claim the run directory, run, save
    phase      phase run, phase readout, phase qk-pca (spec 001)
    langevin   langevin simulate, validate, generate, measure (spec 000)
    samadhi    samadhi train, eval (spec 002)
    cvfp       cvfp train, compare (spec 004)
    routing    routing compare (spec 003)
    lm         lm check, lm capture
    demo, sweep  composites: they run the experiments above, and are the only experiments that import others

Library modules never write files; experiments never define physics.
"""

from semphys.experiments.base import Command, execute

__all__ = ["Command", "execute"]
