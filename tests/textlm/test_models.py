"""semphys.textlm.transformer and gru: causality, pluggable FFN, shapes, bad input."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.textlm.gru import GRULM, GRUConfig
from semphys.textlm.transformer import FFNOutput, TransformerConfig, TransformerLM, count_parameters


def _causal(model) -> None:
    torch.manual_seed(0)
    ids = torch.randint(0, 50, (2, 12))
    changed = ids.clone()
    changed[:, 7] = (changed[:, 7] + 1) % 50
    a, b = model(ids).logits, model(changed).logits
    assert a.shape == (2, 12, 50)
    assert torch.allclose(a[:, :7], b[:, :7], atol=1e-6)  # the past cannot see the future
    assert not torch.allclose(a[:, 7:], b[:, 7:])


def test_transformer_and_gru_are_causal():
    _causal(TransformerLM(TransformerConfig(vocab_size=50, d_model=32, n_heads=4, d_ff=64, max_seq_len=16)))
    _causal(GRULM(GRUConfig(vocab_size=50, d_embed=8, d_hidden=16)))


class _ScaledFFN(torch.nn.Module):
    """A test FFN: returns x times its layer index and an aux loss of the layer index."""

    def __init__(self, layer: int) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x, origins):
        self.seen_origins = origins
        return FFNOutput(x * 0.0, x.new_tensor(float(self.layer + 1)), {"layer": self.layer})


def test_ffn_factory_plugs_in_and_aux_losses_are_summed():
    config = TransformerConfig(vocab_size=50, d_model=16, n_heads=2, n_layers=3, d_ff=32, max_seq_len=8)
    model = TransformerLM(config, ffn_factory=_ScaledFFN)
    origins = torch.zeros(1, 5, dtype=torch.long)
    out = model(torch.zeros(1, 5, dtype=torch.long), origins)
    assert float(out.aux_loss) == 1 + 2 + 3
    assert out.layer_stats == [{"layer": 0}, {"layer": 1}, {"layer": 2}]
    assert model.blocks[0].ffn.seen_origins is origins
    dense = TransformerLM(config)
    ffn = (16 * 32 + 32) + (32 * 16 + 16)  # up and down Linear of the dense FFN, with biases
    assert count_parameters(dense) - count_parameters(model) == 3 * ffn  # the dense FFN weights are gone


def test_bad_shapes_are_refused():
    model = TransformerLM(TransformerConfig(vocab_size=50, d_model=16, n_heads=2, d_ff=32, max_seq_len=8))
    with pytest.raises(UserError, match="longer than max_seq_len 8"):
        model(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(UserError, match="multiple of n_heads"):
        TransformerConfig(d_model=30, n_heads=4)
