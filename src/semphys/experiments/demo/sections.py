"""The registration point of `semphys demo`: one line per subsystem.

To add a subsystem's section: write `semphys/experiments/demo/<name>.py` with a `run(ctx: DemoContext)` that
does its work at demo scale (under two minutes) and fills `ctx.section`, then add one
`DemoSection(...)` line below. Nothing else in the demo changes. This module is imported only
when the demo runs, so the imports here may be heavy.
"""

from semphys.experiments.demo import cvfp, langevin, lm, measure, phase, readout, routing, samadhi
from semphys.experiments.demo.context import DemoSection

SECTIONS: tuple[DemoSection, ...] = (
    DemoSection(
        "lm",
        "Language models and residual streams",
        lm.run,
        "The embedded models load from their packages; activations are captured at target words.",
    ),
    DemoSection(
        "phase",
        "Semantic phase transitions across layers (spec 001)",
        phase.run,
        "Order parameter, Landau fits, universality, susceptibility, phase diagram and W_QK PCA on bank, "
        "bat and crane, with null controls and the success-criteria verdict.",
    ),
    DemoSection(
        "readout",
        "Where the sense becomes readable: held-out sense readout across layers (spec 001 §1)",
        readout.run,
        f"semphys phase readout on a subset of {readout.N_WORDS} WordNet nouns, Gemma-3-270M and MiniLM: "
        "accuracy per layer against random-direction and shuffled-label nulls, and spec 001's potential "
        "V(sigma, l).",
    ),
    DemoSection(
        "langevin",
        "Langevin dynamics on the sphere (spec 000 §4)",
        langevin.run,
        "The constrained Langevin simulator against theory, its figures, and the melt / guide / crystallise "
        "cycle on the embedded model's next-token distribution, compared with greedy and temperature sampling.",
    ),
    DemoSection(
        "measure",
        "Is the model's own inference a Langevin process? (spec 000 §4.5)",
        measure.run,
        "semphys langevin measure at demo scale on Gemma-3-270M: lines of thought fitted by spec 000 §4.2's "
        "overdamped Langevin and the Lines-of-Thought transport, the token clock, and the verdict per claim.",
    ),
    DemoSection(
        "samadhi",
        "Samadhi model: probes, gate, refinement, logs (spec 002)",
        samadhi.run,
        "Trained at demo scale on MiniLM token states over WordNet, evaluated against nearest-centroid and "
        "linear baselines, refinement steps and solvers compared, a text streamed with both logs.",
    ),
    DemoSection(
        "cvfp",
        "CVFP language model: fixed point, collapse, parallel evaluation (spec 004)",
        cvfp.run,
        "The spec's Phase 1 and a predictive Phase 1 trained side by side; the collapse diagnostics, the "
        "fixed point and the parallel evaluation measured on both (the outcome is read from the run).",
    ),
    DemoSection(
        "routing",
        "Omega router vs softmax top-k routing (spec 003)",
        routing.run,
        "A small MoE transformer on WordNet text with the Omega router, the standard router, a dense model "
        "and the ablations: perplexity, expert load, dropped tokens, MI(origin; expert), sensitivity.",
    ),
)
