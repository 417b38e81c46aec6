"""semphys: a laboratory that treats a language model's inference as a physical system and measures it.

The notebook surface (`import semphys as sp`):

    lm = sp.load_lm("embedded")                                   # Gemma-3-270M from its PyPI package
    resid = sp.residuals(lm, ["The bank of the river."], targets=["bank"], layers=[0, 6, 12])
    curves = sp.word_order(lm, "bank")                            # sigma(l) of every prompt (spec 001 §実験1)
    fit = curves.fit(); fit.best; fit.plot()                      # Landau, tanh and step fits (spec 001 §実験2)
    result = sp.experiment("phase readout").run(config)           # any command, in memory ...
    result.save("readout-run")                                    # ... and on disk
    trajectory = sp.simulate(system, x0, dt=0.01, n_steps=1000)   # the Langevin equation on the sphere (spec 000 §4.1)
    sp.evidence.decide(claims)                                    # the one rule of evidence

Packages (imports go downwards only; `tests/test_import_graph.py` checks it):
    semphys.core, semphys.evidence       the ground floor: errors, run directories, JSON documents; the rule of evidence
    semphys.lm, semphys.data             models and their activations; WordNet and its corpus
    semphys.phase, .langevin, .samadhi,  the physics of specs 001, 000, 002, 004, 003 (and the small LMs they
    .cvfp, .routing, .textlm             train): they compute and return results, never write files
    semphys.experiments                  one module per command: config, run, result.save
    semphys.cli                          the command line: options into configs, nothing else

Names load on first use, so `import semphys` stays fast.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "load_lm": "semphys.lm",
    "residuals": "semphys.lm",
    "LM": "semphys.lm",
    "word_order": "semphys.phase.word",
    "OrderCurves": "semphys.phase.word",
    "CurveFit": "semphys.phase.word",
    "fit_all": "semphys.phase.fits",
    "simulate": "semphys.langevin",
    "LangevinSystem": "semphys.langevin",
    "LinearPotential": "semphys.langevin",
    "uniform_on_sphere": "semphys.langevin",
    "experiment": "semphys.experiments",
    "execute": "semphys.experiments",
    "UserError": "semphys.core.errors",
}
_PACKAGES = ("evidence", "experiments", "lm", "phase", "langevin", "samadhi", "cvfp", "routing", "data", "core")

__all__ = ["__version__", *_API, *_PACKAGES]


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
    elif name in _PACKAGES:
        value = import_module(f"semphys.{name}")
    else:
        raise AttributeError(f"module 'semphys' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
