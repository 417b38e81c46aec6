"""Blocks and final norm found by one rule for every architecture; the known paths only a fast path."""

import pytest
import torch
from torch import nn

from semphys.lm.models.architecture import UnsupportedModel, find_blocks, find_final_norm, find_layout
from tests.lm.tiny_models import BUILDERS

EXPECTED = {  # (blocks, final norm) relative to the body, as read in transformers 5.24
    "gpt2": ("h", "ln_f"),
    "gpt_neox": ("layers", "final_layer_norm"),
    "llama": ("layers", "norm"),
    "mistral": ("layers", "norm"),
    "qwen2": ("layers", "norm"),
    "qwen3": ("layers", "norm"),
    "gemma2": ("layers", "norm"),
    "gemma3_text": ("layers", "norm"),
    "gemma3_conditional": ("language_model.layers", "language_model.norm"),
    "phi3": ("layers", "norm"),
    "opt": ("decoder.layers", "decoder.final_layer_norm"),
    "falcon_multi_query": ("h", "ln_f"),
    "falcon_new_decoder": ("h", "ln_f"),
    "olmo2": ("layers", "norm"),
    "bert": ("encoder.layer", None),
    "roberta": ("encoder.layer", None),
    "distilbert": ("transformer.layer", None),
    "t5_encoder": ("encoder.block", "encoder.final_layer_norm"),
    "mamba": ("layers", "norm_f"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_search_alone_finds_what_the_known_paths_find(name: str, tiny_arch) -> None:
    body = tiny_arch(name).body
    layout = find_layout(body)
    assert (layout.blocks_path, layout.final_norm_path) == EXPECTED[name]
    path, blocks, how = find_blocks(body, known=())
    assert (path, how) == (layout.blocks_path, "search") and blocks is layout.blocks
    norm_path, norm, how = find_final_norm(body, path, blocks, known=())
    assert (norm_path, how) == (layout.final_norm_path, "search") and norm is layout.final_norm


def test_a_vision_tower_of_the_same_depth_is_not_taken_for_the_text_blocks(tiny_arch) -> None:
    body = tiny_arch("gemma3_conditional").body
    lists = [name for name, m in body.named_modules() if isinstance(m, nn.ModuleList) and len(m) == 3]
    assert len(lists) == 2  # vision_tower...encoder.layers and language_model.layers
    assert find_blocks(body, known=())[0] == "language_model.layers"


class _Toy(nn.Module):
    """A body with blocks at an unusual path and a final norm no known path names."""

    def __init__(self, norm: bool = True, drift: bool = False) -> None:
        super().__init__()
        self.config = type("C", (), {"get_text_config": lambda self: self, "num_hidden_layers": 2, "vocab_size": 10})()
        self.embed = nn.Embedding(10, 4)
        self.stack = nn.Module()
        self.stack.units = nn.ModuleList(nn.Linear(4, 4) for _ in range(2))
        self.closing = nn.LayerNorm(4) if norm else nn.Identity()
        self.drift = drift

    def forward(self, input_ids, attention_mask=None, use_cache=False):
        x = self.embed(input_ids)
        for unit in self.stack.units:
            x = unit(x)
        x = self.closing(x)
        return (x * 2 if self.drift else x,)


def test_an_unknown_layout_is_found_by_the_rule() -> None:
    body = _Toy()
    layout = find_layout(body)
    assert (layout.blocks_path, layout.final_norm_path, layout.found_by) == ("stack.units", "closing", "search")
    assert find_layout(_Toy(norm=False)).final_norm_path is None  # an Identity maps x to x: no norm needed


def test_what_cannot_be_found_is_named_never_skipped() -> None:
    with pytest.raises(UnsupportedModel, match=r"final norm of a _Toy: .* no module called after that block"):
        find_layout(_Toy(drift=True))  # the output is not the last block's, and no module maps one onto the other
    deep = _Toy()
    deep.config.num_hidden_layers = 5
    with pytest.raises(UnsupportedModel, match=r"cannot find the 5 blocks of a _Toy: searched the known paths layers"):
        find_layout(deep)


def test_search_runs_the_model_only_on_its_own_device(tiny_arch) -> None:
    body = tiny_arch("bert").body  # no final norm: the rule needs its forward pass
    assert next(body.parameters()).device == torch.device("cpu")
    assert find_final_norm(body, "encoder.layer", body.encoder.layer, known=())[0] is None
