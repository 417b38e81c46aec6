"""semphys.experiments.samadhi: the commands of spec 002's Samadhi model (`semphys samadhi ...`).

    train    `samadhi train`: token states, both training stages; checkpoints and train.json
    eval     `samadhi eval`: held-out figures and claims of a training run; eval.json and figures
    stream   `samadhi stream`: a text through a trained model; the Probe and Cetana Dynamics Logs
    report   the headline figures and claims of an eval.json as plain text
    plots    the figures of an eval.json

The physics is `semphys.samadhi`.
"""
