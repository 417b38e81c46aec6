"""semphys benchmarks: `make bench`, or `python -m benchmarks [name ...]`.

Every public module here (name not starting with `_`) is one benchmark. It exposes

    main(args: argparse.Namespace) -> dict      run, print its own table, return JSON-ready results
    add_arguments(group) -> None                 optional: its own command-line options

and the runner (`__main__`) runs the ones asked for (all by default), adds the environment (date,
versions, threads, CPU, load average), and writes each result to `runs/bench/<name>.json`.
Option names share one namespace: a module's options should say what they are about
(`--cold`, `--tl-batch`), not `--n`.

Modules:
    capture     residual capture throughput: semphys vs TransformerLens vs plain HF vs the compute
                bound; embedded model load time cold vs cached
    langevin    overdamped sphere Langevin particle-steps per second vs torchsde, same SDE and dt
    phase       spec 001's built-in suite end to end on the embedded model vs the spec's per-prompt loop
    samadhi     spec 002 refinement: plain fixed-point iteration vs Anderson acceleration, G evaluations
                and wall time to the same eps on trained refiners
    sweep       WordNet nouns per minute through `semphys sweep`, 1 vs 2 local workers, 10 / 50 / 200 words
"""
