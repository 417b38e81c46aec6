"""semphys.lm: the one place that loads models and reads their activations.

    models/            `load_lm` (an `LM`: model, tokenizer, facts, layout), model specs, devices; `Layout`;
                       the reader table, weight files, the packaged model's cache
    residuals          `residuals`: the one call for notebooks (at target words, the last token or every token)
    hooks              the one hook installer: the residual stream at any layer index, stopped after the deepest
    batching           layer indices checked, prompts batched by length (shared by the readers below)
    capture            `capture_residuals`: the residual stream at target words (and at the final norm)
    sequence           `token_states`: every token's residual stream at one layer
    logit_lens         `residuals_at`, `final_residuals` (every position), `logit_chunks` (the LM head in slices)
    cache              `ActivationCache`: captured vectors on disk, checksummed (it writes its own files)
    cached_capture     `capture_cached`: the one cache-then-forward loop over many target words
    targets            `locate_target`: a target word's sub-tokens in a prompt
    attention          `qk_weights`: W_Q / W_K per layer and head; attention_patterns: attention maps
    logits             next-token distributions, sequence log-probabilities, the incremental (KV cache) decoder
    check              `check_model`: every reader above against the model itself

Every reader of residuals (`capture_residuals`, `token_states`, `residuals_at`, `final_residuals`) is a
thin call of `semphys.lm.hooks.residual_hooks`. The commands `semphys lm check` and `semphys lm capture`
are `semphys.experiments.lm`.
"""

from semphys.lm.attention import QKWeights, qk_weights, reader_of
from semphys.lm.attention_patterns import AttentionPatterns, attention_patterns
from semphys.lm.capture import POOLINGS, Capture, capture_residuals
from semphys.lm.check import CheckConfig, CheckReport, check_model
from semphys.lm.logit_lens import final_residuals, logit_chunks, residuals_at
from semphys.lm.logits import IncrementalDecoder, NextTokens, next_token_distribution, sequence_log_probs
from semphys.lm.models.architecture import Layout, UnsupportedModel
from semphys.lm.models.loading import LM, ModelFacts, check_device, load_lm
from semphys.lm.models.specs import EMBEDDED, MINILM, available_offline, check_model_spec, model_layers, model_type_of
from semphys.lm.residuals import POSITIONS, residuals
from semphys.lm.sequence import TokenStates, token_states
from semphys.lm.targets import TargetSpan, find_word, locate_target

__all__ = [
    "AttentionPatterns",
    "CheckConfig",
    "CheckReport",
    "EMBEDDED",
    "LM",
    "MINILM",
    "POOLINGS",
    "Capture",
    "IncrementalDecoder",
    "Layout",
    "ModelFacts",
    "NextTokens",
    "QKWeights",
    "TargetSpan",
    "TokenStates",
    "UnsupportedModel",
    "attention_patterns",
    "available_offline",
    "capture_residuals",
    "check_device",
    "check_model",
    "check_model_spec",
    "final_residuals",
    "find_word",
    "load_lm",
    "locate_target",
    "logit_chunks",
    "model_layers",
    "model_type_of",
    "next_token_distribution",
    "qk_weights",
    "reader_of",
    "POSITIONS",
    "residuals",
    "residuals_at",
    "sequence_log_probs",
    "token_states",
]
