"""semphys.lm: the one place that loads models and reads their activations."""

from semphys.lm.attention import QKWeights, qk_weights
from semphys.lm.capture import POOLINGS, Capture, capture_residuals, save_capture
from semphys.lm.loading import (
    EMBEDDED,
    LM,
    MINILM,
    ModelFacts,
    available_offline,
    check_device,
    check_model_spec,
    load_lm,
)
from semphys.lm.logits import IncrementalDecoder, NextTokens, next_token_distribution, sequence_log_probs
from semphys.lm.sequence import TokenStates, token_states
from semphys.lm.targets import TargetSpan, find_word, locate_target

__all__ = [
    "EMBEDDED",
    "LM",
    "MINILM",
    "POOLINGS",
    "Capture",
    "IncrementalDecoder",
    "ModelFacts",
    "NextTokens",
    "QKWeights",
    "TargetSpan",
    "TokenStates",
    "available_offline",
    "capture_residuals",
    "check_device",
    "check_model_spec",
    "find_word",
    "load_lm",
    "locate_target",
    "next_token_distribution",
    "qk_weights",
    "save_capture",
    "sequence_log_probs",
    "token_states",
]
