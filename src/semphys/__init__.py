"""semphys: a laboratory that treats a language model's inference as a physical system.

Layers (imports go downwards only):
    semphys.lm, semphys.data        the ground floor: models, activations, WordNet, corpora
    semphys.<subsystem>             phase, langevin, samadhi, cvfp, routing (never import each other)
    semphys.core.report, semphys.cli     on top: HTML reports, the command line, the demo
"""

__version__ = "0.1.0"
