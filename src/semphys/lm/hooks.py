"""The one place semphys installs forward hooks on a model.

`hooked` registers any set of forward (pre-)hooks and removes them on exit, even when the forward
pass raised. `residual_hooks` is the residual-stream reader every capture uses (`capture_residuals`
at target words, `token_states` at all positions, `residuals_at` and `final_residuals`): it calls
`read(layer, hidden)` with the residual stream at each requested layer index and, when asked, stops
the forward pass right after the deepest one (`run_body` catches the stop).

Layer index convention (as HF `output_hidden_states` and TransformerLens `resid_pre`/`resid_post`):
index 0 is the input of block 0 (the embeddings), index l >= 1 the output of block l - 1.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Literal

import torch
from torch import Tensor, nn

HookKind = Literal["pre", "post", "pre_kwargs", "post_kwargs"]
Reader = Callable[[int, Tensor], None]


class StopForward(Exception):
    """Raised after the deepest layer a reader needs: nothing after it has to run."""


@contextmanager
def hooked(hooks: Iterable[tuple[nn.Module, HookKind, Callable]]) -> Iterator[None]:
    """Register `(module, kind, hook)` triples for the duration of the block.

    kind: `pre` / `post` (torch's forward pre-hook / forward hook), or `pre_kwargs` / `post_kwargs`
    for the `with_kwargs=True` forms (keyword arguments passed to the hook).
    """
    handles = []
    try:
        for module, kind, hook in hooks:
            with_kwargs = kind.endswith("_kwargs")
            if kind.startswith("pre"):
                handles.append(module.register_forward_pre_hook(hook, with_kwargs=with_kwargs))
            else:
                handles.append(module.register_forward_hook(hook, with_kwargs=with_kwargs))
        yield
    finally:
        for handle in handles:
            handle.remove()


def hidden_of(output: Tensor | tuple) -> Tensor:
    """The hidden states of a block's output (blocks of some models return a tuple)."""
    return output[0] if isinstance(output, tuple) else output


def residual_hooks(
    blocks: nn.ModuleList, layers: Iterable[int], read: Reader, stop: bool = True
) -> list[tuple[nn.Module, HookKind, Callable]]:
    """Hooks that pass the residual stream at each layer index to `read(layer, hidden [b, seq, d])`.

    With `stop`, the hook of the deepest layer raises `StopForward` after reading: run the body with
    `run_body`. Use with `hooked(...)`.
    """
    wanted = sorted(set(layers))
    deepest = wanted[-1]

    def reading(layer: int, hidden: Tensor) -> None:
        read(layer, hidden)
        if stop and layer == deepest:
            raise StopForward

    hooks: list[tuple[nn.Module, HookKind, Callable]] = []
    if wanted[0] == 0:
        hooks.append(
            (
                blocks[0],
                "pre_kwargs",
                lambda module, args, kwargs: reading(0, args[0] if args else kwargs["hidden_states"]),
            )
        )
    for layer in wanted:
        if layer >= 1:
            hooks.append(
                (blocks[layer - 1], "post", lambda module, args, output, layer=layer: reading(layer, hidden_of(output)))
            )
    return hooks


def run_body(body: nn.Module, **inputs: Tensor) -> None:
    """One forward pass of a model body under `torch.inference_mode`, ended early by `StopForward`."""
    with torch.inference_mode():
        try:
            body(**inputs, use_cache=False)
        except StopForward:
            pass
