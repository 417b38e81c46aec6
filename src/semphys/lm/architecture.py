"""Where the blocks and the final norm sit inside the bodies of the architectures semphys reads."""

from torch import nn
from transformers import PreTrainedModel

# Attribute paths, relative to the body (`model.base_model`), tried in order.
_BLOCK_PATHS = ("layers", "h", "encoder.layer", "decoder.layers", "transformer.h")
_FINAL_NORM_PATHS = ("norm", "ln_f", "final_layer_norm", "decoder.final_layer_norm")


def _get(module: nn.Module, path: str) -> nn.Module | None:
    for name in path.split("."):
        module = getattr(module, name, None)
        if module is None:
            return None
    return module


def blocks(body: PreTrainedModel) -> nn.ModuleList:
    """The residual blocks of a transformer body, in order (`n_layers` of them)."""
    n_layers = body.config.get_text_config().num_hidden_layers
    for path in _BLOCK_PATHS:
        found = _get(body, path)
        if isinstance(found, nn.ModuleList) and len(found) == n_layers:
            return found
    raise NotImplementedError(
        f"semphys cannot find the {n_layers} blocks of a {type(body).__name__}; known paths: {_BLOCK_PATHS}"
    )


def final_norm(body: PreTrainedModel) -> nn.Module | None:
    """The norm applied after the last block (Gemma `norm`, GPT-2 `ln_f`), or None (BERT has none)."""
    for path in _FINAL_NORM_PATHS:
        found = _get(body, path)
        if isinstance(found, nn.Module):
            return found
    return None
