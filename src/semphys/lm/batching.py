"""What every residual-stream reader shares besides its hooks: layer indices checked, prompts batched by length.

`capture_residuals` (target words) and `token_states` (every token) run many prompts through the
body in padded batches; `length_batches` groups them so padding stays small, `check_layers` checks
the layer indices asked for, and `progress_disabled` decides whether a progress bar shows.

Layer index convention as in `semphys.lm.hooks`: 0 is the input of block 0 (the embeddings), l >= 1
the output of block l - 1.
"""

from collections.abc import Sequence

from semphys.core.errors import UserError

LENGTH_STRETCH = 1.25
"""A length bucket holds prompts whose lengths differ by at most this factor."""


def check_layers(layers: Sequence[int] | None, n_layers: int) -> list[int]:
    """The layer indices asked for, as a list (None: all, 0..n_layers); `UserError` for an index out of
    range or repeated."""
    if layers is None:
        return list(range(n_layers + 1))
    layer_list = list(layers)
    if not layer_list or any(not 0 <= layer <= n_layers for layer in layer_list):
        raise UserError(f"layers {layer_list} out of range: indices run from 0 (embeddings) to {n_layers}")
    if len(set(layer_list)) != len(layer_list):
        raise UserError(f"layers {layer_list} repeat an index")
    return layer_list


def length_batches(lengths: Sequence[int], batch_tokens: int) -> list[list[int]]:
    """Prompt indices grouped by similar length: sorted by length, a new group starts when the padded
    size would pass `batch_tokens` or the longest prompt would pass `LENGTH_STRETCH` times the shortest.

    The stretch bound is what keeps padding small: on the benchmark's 128 prompts (3 to 38 tokens,
    1533 real) a budget alone pads to 4114 tokens, with the stretch bound to 1682; a padded batch
    costs matmul work in proportion to its padded size.
    """
    if batch_tokens < 1:
        raise UserError(f"batch_tokens must be positive, got {batch_tokens}")
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        too_many = lengths[index] * (len(current) + 1) > batch_tokens
        too_long = lengths[index] > LENGTH_STRETCH * lengths[current[0]] if current else False
        if current and (too_many or too_long):
            batches.append(current)
            current = []
        current.append(index)
    batches.append(current)
    return batches


def progress_disabled(progress: bool | None, n_batches: int) -> bool | None:
    """tqdm's `disable` for a reader's `progress` argument: None (tqdm: off when stderr is not a terminal)
    when `progress` is None and several batches run, True for a single batch."""
    if progress is None:
        return None if n_batches > 1 else True
    return not progress
