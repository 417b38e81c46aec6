"""The one hook installer: hooks come off after errors, the pass stops after the deepest layer read,
and no other module of semphys registers forward hooks."""

import re
from pathlib import Path

import pytest
import torch
from torch import nn

from semphys.lm.hooks import StopForward, hooked, residual_hooks, run_body

SRC = Path(__file__).resolve().parents[2] / "src" / "semphys"


class Blocks(nn.Module):
    """A body of three identity blocks whose inputs get 1, 10 and 100 added; counts how often each ran."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Identity() for _ in range(3))
        self.ran = [0, 0, 0]

    def forward(self, input_ids: torch.Tensor, use_cache: bool = False) -> torch.Tensor:
        hidden = input_ids.float()
        for i, block in enumerate(self.layers):
            self.ran[i] += 1
            hidden = block(hidden + 10**i)
        return hidden


def test_residual_hooks_read_each_index_and_stop_after_the_deepest():
    body = Blocks()
    seen: dict[int, float] = {}
    with hooked(residual_hooks(body.layers, [0, 2], lambda layer, hidden: seen.update({layer: hidden.item()}))):
        run_body(body, input_ids=torch.zeros(1))
    assert seen == {0: 1.0, 2: 11.0}  # index 0: block 0's input (0 + 1); index 2: block 1's output (1 + 10)
    assert body.ran == [1, 1, 0]  # block 2 never ran
    assert not body.layers[0]._forward_pre_hooks and not body.layers[1]._forward_hooks


def test_without_stop_the_whole_body_runs():
    body = Blocks()
    with hooked(residual_hooks(body.layers, [1], lambda layer, hidden: None, stop=False)):
        body(torch.zeros(1))
    assert body.ran == [1, 1, 1]


def test_hooks_are_removed_when_the_forward_pass_raises():
    body = Blocks()

    def boom(module, args):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"), hooked([(body.layers[1], "pre", boom)]):
        body(torch.zeros(1))
    assert not body.layers[1]._forward_pre_hooks
    with pytest.raises(StopForward), hooked(residual_hooks(body.layers, [1], lambda layer, hidden: None)):
        body(torch.zeros(1))  # called directly, not through run_body: the stop propagates
    assert not body.layers[0]._forward_hooks


def test_only_the_hook_module_registers_hooks():
    registering = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if re.search(r"register_forward(_pre)?_hook\(", path.read_text(encoding="utf-8"))
    )
    assert registering == ["lm/hooks.py"]
