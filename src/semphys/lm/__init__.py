"""semphys.lm: the one place that loads models and reads their activations."""

from semphys.lm.architecture import Layout, UnsupportedModel
from semphys.lm.attention import QKWeights, qk_weights, reader_of
from semphys.lm.attention_patterns import AttentionPatterns, attention_patterns
from semphys.lm.capture import POOLINGS, Capture, capture_residuals, save_capture
from semphys.lm.check import CheckConfig, CheckReport, check_model
from semphys.lm.loading import (
    EMBEDDED,
    LM,
    MINILM,
    ModelFacts,
    available_offline,
    check_device,
    check_model_spec,
    load_lm,
    model_layers,
    model_type_of,
)
from semphys.lm.logit_lens import final_residuals, logit_chunks, residuals_at
from semphys.lm.logits import IncrementalDecoder, NextTokens, next_token_distribution, sequence_log_probs
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
    "residuals_at",
    "save_capture",
    "sequence_log_probs",
    "token_states",
]
