"""semphys.experiments.cvfp: the commands of spec 004's CVFP (Context Vector Fixed-Point Property) model.

    train    `cvfp train`: Phase 1, Phase 2 and the baselines; checkpoints (resumable), config.json, train.json
    eval     `cvfp eval`: perplexity beside the baselines, the collapse diagnostics, the parallel speed-up;
             eval.json and figures in the training's run directory
    compare  `cvfp compare`: train + eval per seed, the claims paired by seed; compare.json
    plots    the figures of an evaluation

The physics is `semphys.cvfp`.
"""
