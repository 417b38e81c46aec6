"""Ground floor for training small language models on real text, shared by `cvfp` and `routing`.

    data        `load_text_data`: the WordNet corpus as train/valid token streams, origin per token
    batches     `random_batch` (seeded by step), `eval_windows` (every validation token once)
    objective   `LMOutput` (logits, aux loss, per-layer stats), `token_nll`, `lm_loss`
    train       `fit`: seeded, NaN/explosion guard, checkpoints with optimiser state, resume
    evaluate    `perplexity`: per-token validation perplexity
    ngram       add-k unigram and bigram (k chosen on held-out training text)
    gru         `GRULM`: recurrent baseline
    transformer `TransformerLM` with a pluggable FFN (dense baseline; MoE models swap the FFN)
    baselines   the four baselines, sized to a parameter budget, trained on equal tokens

Imports only `semphys.data` and the ground-floor helpers (checkpoint, errors, io).
"""

from semphys.textlm.batches import Batch, eval_windows, random_batch
from semphys.textlm.data import ORIGIN_NAMES, DataConfig, TextData, TokenSplit, load_text_data
from semphys.textlm.evaluate import Perplexity, perplexity
from semphys.textlm.objective import LMOutput, lm_loss, token_nll
from semphys.textlm.train import TrainConfig, TrainingDiverged, TrainResult, build_seeded, fit

__all__ = [
    "ORIGIN_NAMES",
    "Batch",
    "DataConfig",
    "LMOutput",
    "Perplexity",
    "TextData",
    "TokenSplit",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "build_seeded",
    "eval_windows",
    "fit",
    "lm_loss",
    "load_text_data",
    "perplexity",
    "random_batch",
    "token_nll",
]
