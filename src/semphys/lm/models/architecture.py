"""Where the blocks and the final norm sit inside a transformer (or state-space) body.

Two rules, the same for every architecture:
- the blocks are the `nn.ModuleList` whose length is the config's layer count, searched over
  `named_modules()`; when several lists have that length (Gemma 3's vision tower beside its text
  layers), the one the model's own forward runs on a text input;
- the final norm is the module the model's own forward calls after the last block, whose input is
  the last block's output and whose output is the body's `last_hidden_state`; a body whose
  `last_hidden_state` IS the last block's output (BERT, DistilBERT) has none.

A short list of known attribute paths is tried first (no forward pass needed); the search is the
rule, the list only a fast path. When neither finds what it looks for, `UnsupportedModel` says which
model class and what was searched: nothing is ever skipped silently.
"""

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from semphys.core.errors import UserError
from semphys.lm.hooks import hidden_of, hooked

# Attribute paths, relative to the body (`model.base_model`), tried before the search.
BLOCK_PATHS = (
    "layers",
    "h",
    "encoder.layer",
    "decoder.layers",
    "transformer.h",
    "transformer.layer",
    "encoder.block",
    "language_model.layers",
)
FINAL_NORM_PATHS = (
    "norm",
    "ln_f",
    "norm_f",
    "final_layer_norm",
    "decoder.final_layer_norm",
    "encoder.final_layer_norm",
    "language_model.norm",
)
PROBE_TOKENS = 3
"""Length of the token sequence the search runs through the model."""


class UnsupportedModel(UserError):
    """A model semphys cannot read: the message names its class and what was searched."""


@dataclass(frozen=True)
class Layout:
    """Where a body keeps its blocks and its final norm."""

    blocks: nn.ModuleList
    blocks_path: str
    """Dotted path of the blocks relative to the body."""
    final_norm: nn.Module | None
    """The norm after the last block (Gemma `norm`, GPT-2 `ln_f`, Mamba `norm_f`), or None (BERT has none)."""
    final_norm_path: str | None
    found_by: str
    """`known paths` or `search` (for each of the two, `blocks/final norm`)."""

    def describe(self) -> dict[str, str | None]:
        return {"blocks": self.blocks_path, "final_norm": self.final_norm_path, "found_by": self.found_by}


def n_layers_of(body: nn.Module) -> int:
    """The config's layer count (the text model's, for a multimodal config)."""
    config = body.config.get_text_config()
    count = getattr(config, "num_hidden_layers", None)
    if not isinstance(count, int) or count < 1:
        raise UnsupportedModel(f"the config of a {type(body).__name__} states no layer count (num_hidden_layers)")
    return count


def _get(module: nn.Module, path: str) -> nn.Module | None:
    for name in path.split("."):
        module = getattr(module, name, None)
        if not isinstance(module, nn.Module):
            return None
    return module


def probe_input(body: nn.Module) -> dict[str, Tensor]:
    """A short text input (token ids 1..PROBE_TOKENS) for one forward pass of `body`."""
    vocab = body.config.get_text_config().vocab_size
    device = next(body.parameters()).device
    ids = (torch.arange(1, PROBE_TOKENS + 1) % vocab)[None].to(device)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def _run(body: nn.Module) -> Tensor:
    """The body's last_hidden_state on the probe input: [1, PROBE_TOKENS, d_model]."""
    with torch.inference_mode():
        out = body(**probe_input(body), use_cache=False)
    return out[0] if isinstance(out, tuple) else out.last_hidden_state


def find_blocks(body: nn.Module, known: tuple[str, ...] = BLOCK_PATHS) -> tuple[str, nn.ModuleList, str]:
    """(path, blocks, how found): the known paths first, then the search (module docstring)."""
    n_layers = n_layers_of(body)
    for path in known:
        found = _get(body, path)
        if isinstance(found, nn.ModuleList) and len(found) == n_layers:
            return path, found, "known paths"
    candidates = {
        name: module
        for name, module in body.named_modules()
        if isinstance(module, nn.ModuleList) and len(module) == n_layers
    }
    if len(candidates) > 1:
        candidates = _ran_on_text(body, candidates)
    if len(candidates) != 1:
        found = ", ".join(candidates) or "none"
        raise UnsupportedModel(
            f"cannot find the {n_layers} blocks of a {type(body).__name__}: searched the known paths "
            f"{', '.join(known) or '(none)'} and every ModuleList of {n_layers} modules in named_modules() "
            f"that a text forward runs (found: {found})"
        )
    ((path, blocks),) = candidates.items()
    return path, blocks, "search"


def _ran_on_text(body: nn.Module, candidates: dict[str, nn.ModuleList]) -> dict[str, nn.ModuleList]:
    """The candidate lists whose first module runs in a forward pass on the probe text."""
    ran: set[str] = set()
    with hooked(
        (blocks[0], "pre", lambda module, args, name=name: ran.add(name)) for name, blocks in candidates.items()
    ):
        _run(body)
    return {name: blocks for name, blocks in candidates.items() if name in ran}


def find_final_norm(
    body: nn.Module, blocks_path: str, blocks: nn.ModuleList, known: tuple[str, ...] = FINAL_NORM_PATHS
) -> tuple[str | None, nn.Module | None, str]:
    """(path or None, module or None, how found): the known paths first, then the forward-pass rule."""
    for path in known:
        found = _get(body, path)
        if found is not None:
            return path, found, "known paths"
    ancestors = {blocks_path.rsplit(".", i)[0] for i in range(1, blocks_path.count(".") + 1)} | {""}
    inside = {id(module) for module in blocks.modules()}
    after: list[tuple[str, Tensor, Tensor]] = []  # (name, input, output) of modules called after the last block
    last: dict[str, Tensor] = {}

    def record_last(module, args, output) -> None:
        last["hidden"] = hidden_of(output)

    def record(name: str):
        def hook(module, args, kwargs, output) -> None:
            given = next((a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)), None)
            if "hidden" in last and given is not None and isinstance(output, Tensor):
                after.append((name, given, output))

        return hook

    hooks: list = [(blocks[-1], "post", record_last)]
    hooks += [
        (module, "post_kwargs", record(name))
        for name, module in body.named_modules()
        if id(module) not in inside and name not in ancestors
    ]
    with hooked(hooks):
        final = _run(body)
    if "hidden" not in last:
        raise UnsupportedModel(f"the forward pass of a {type(body).__name__} never ran its block {blocks_path}[-1]")
    if _same(final, last["hidden"]):  # the body returns its last block's output (an Identity counts as nothing)
        return None, None, "search"
    for name, given, output in after:
        if _same(given, last["hidden"]) and output.shape == given.shape and _same(output, final):
            return name, _get(body, name), "search"
    raise UnsupportedModel(
        f"cannot find the final norm of a {type(body).__name__}: its last_hidden_state differs from the output of "
        f"{blocks_path}[-1], and no module called after that block maps one onto the other (searched the known "
        f"paths {', '.join(known) or '(none)'} and the {len(after)} module calls after the last block)"
    )


def _same(a: Tensor, b: Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a.float(), b.float(), rtol=1e-5, atol=1e-6)


def find_layout(body: nn.Module) -> Layout:
    """Blocks and final norm of a body (see the module docstring)."""
    blocks_path, block_list, blocks_how = find_blocks(body)
    norm_path, norm, norm_how = find_final_norm(body, blocks_path, block_list)
    how = blocks_how if blocks_how == norm_how else f"{blocks_how}/{norm_how}"
    return Layout(blocks=block_list, blocks_path=blocks_path, final_norm=norm, final_norm_path=norm_path, found_by=how)


def blocks(body: nn.Module) -> nn.ModuleList:
    """The residual blocks of a body, in order (`n_layers` of them)."""
    return find_blocks(body)[1]


def final_norm(body: nn.Module) -> nn.Module | None:
    """The norm applied after the last block, or None when the body has none (BERT)."""
    path, block_list, _ = find_blocks(body)
    return find_final_norm(body, path, block_list)[1]
