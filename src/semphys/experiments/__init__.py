"""semphys.experiments: one module per command, each of the same shape (`base`).

    base       Command, execute: validate, claim the run directory, run, save
    phase      phase run, phase readout, phase qk-pca (spec 001)
    langevin   langevin simulate, validate, generate, measure (spec 000)
    samadhi    samadhi train, eval, stream (spec 002)
    cvfp       cvfp train, eval, compare (spec 004)
    routing    routing compare (spec 003)
    lm         lm check, lm capture
    demo, sweep  composites: they run the experiments above, and are the only experiments that import others

Each experiment module has `COMMAND`, a config dataclass (`validate()`, `fingerprint()`), `run(config)`
returning a result in memory, and the result's `save(out)`:

    from semphys.experiments import experiment
    readout = experiment("phase readout")
    result = readout.run(readout.ReadoutConfig(n_words=10))
    result.save("readout-run")

Library modules never write files; experiments never define physics.
"""

from importlib import import_module
from types import ModuleType

from semphys.core.errors import UserError
from semphys.experiments.base import Command, execute

EXPERIMENTS: dict[str, str] = {
    "phase run": "semphys.experiments.phase.run",
    "phase readout": "semphys.experiments.phase.readout",
    "phase qk-pca": "semphys.experiments.phase.qk_pca",
    "langevin simulate": "semphys.experiments.langevin.simulate",
    "langevin validate": "semphys.experiments.langevin.validate",
    "langevin generate": "semphys.experiments.langevin.generate",
    "langevin measure": "semphys.experiments.langevin.measure",
    "samadhi train": "semphys.experiments.samadhi.train",
    "samadhi eval": "semphys.experiments.samadhi.eval",
    "samadhi stream": "semphys.experiments.samadhi.stream",
    "cvfp train": "semphys.experiments.cvfp.train",
    "cvfp eval": "semphys.experiments.cvfp.eval",
    "cvfp compare": "semphys.experiments.cvfp.compare",
    "routing compare": "semphys.experiments.routing.compare",
    "lm check": "semphys.experiments.lm.check",
    "lm capture": "semphys.experiments.lm.capture",
}
"""Command name (as typed after `semphys`) -> its experiment module."""


def experiment(name: str) -> ModuleType:
    """The experiment module of a command, e.g. `experiment("phase readout")`; `UserError` for an unknown name."""
    if name not in EXPERIMENTS:
        raise UserError(f"unknown experiment {name!r}: choose one of {', '.join(EXPERIMENTS)}")
    return import_module(EXPERIMENTS[name])


__all__ = ["EXPERIMENTS", "Command", "execute", "experiment"]
