"""semphys.cvfp.model: the spec's layer by hand, EMA statistics, blocks, bad input."""

import pytest
import torch
import torch.nn.functional as F

from semphys.core.errors import UserError
from semphys.cvfp.model import CVFPBlock, CVFPConfig, CVFPLayer, CVFPModel


def _layer(mix: float) -> CVFPLayer:
    layer = CVFPLayer(CVFPConfig(vocab_size=8, context_dim=2, embed_dim=2, hidden_dim=4, layernorm_mix=mix))
    with torch.no_grad():
        layer.fnn.weight.copy_(torch.tensor([[1.0, 0, 0, 0], [0, -1, 0, 0], [0, 0, 2, 0], [1, 1, 1, 1]]))
        layer.fnn.bias.copy_(torch.tensor([0.5, 0, 0, -1]))
    return layer.eval()


def test_layer_matches_hand_computation_without_layernorm():
    c, e = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, -1.0]])
    new_c, new_e = _layer(0.0)(c, e)
    # W [c; e] + b = [1.5, -2, 6, 4]; ReLU -> [1.5, 0, 6, 4]; residual on each half
    assert torch.allclose(new_c, torch.tensor([[2.5, 2.0]]))
    assert torch.allclose(new_e, torch.tensor([[9.0, 3.0]]))


def test_layernorm_mix_blends_raw_and_normalised_outputs():
    c, e = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, -1.0]])
    raw_c = torch.tensor([[2.5, 2.0]])
    new_c, _ = _layer(0.2)(c, e)
    assert torch.allclose(new_c, 0.8 * raw_c + 0.2 * F.layer_norm(raw_c, (2,)), atol=1e-6)
    wide = CVFPLayer(CVFPConfig(vocab_size=8, context_dim=16, embed_dim=16, hidden_dim=32)).eval()
    full_c, _ = wide(torch.randn(5, 16), torch.randn(5, 16))
    assert torch.allclose(full_c.norm(dim=-1), torch.full((5,), 4.0), atol=1e-3)  # the spec's 4.0 = sqrt(16)


def test_running_statistics_follow_the_ema_and_carry_no_gradient():
    layer = _layer(0.0).train()
    c = torch.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    out, _ = layer(c, torch.tensor([[3.0, -1.0], [0.0, 0.0]]))
    batch_mean, batch_var = out.detach().mean(0), out.detach().var(0, unbiased=False)
    assert torch.allclose(layer.running_mean, 0.01 * batch_mean)
    assert torch.allclose(layer.running_var, 0.99 + 0.01 * batch_var)
    loss = layer.get_distribution_loss()
    expected = (layer.running_mean**2).mean() + ((layer.running_var - 1) ** 2).mean()
    assert float(loss) == pytest.approx(float(expected))
    assert not loss.requires_grad  # the spec's distribution term trains nothing
    layer.eval()
    layer(c, c)
    assert int(layer.num_batches_tracked) == 1  # eval mode leaves the statistics alone


def test_batch_of_one_has_zero_variance_so_running_var_decays():
    layer = CVFPLayer(CVFPConfig(vocab_size=8)).train()
    for _ in range(200):
        layer(torch.randn(1, 16), torch.randn(1, 16))
    assert float(layer.running_var.max()) == pytest.approx(0.99**200, rel=1e-3)


def test_layer_structure_builds_blocks_and_the_model_runs_the_recurrence():
    config = CVFPConfig(vocab_size=50, layer_structure=(2, 3))
    model = CVFPModel(config).eval()
    assert [len(b.layers) for b in model.blocks] == [2, 3] and len(model.layers) == 5
    ids = torch.randint(0, 50, (2, 6))
    embeds = model.embed(ids)
    context, manual = model.initial_context(2), []
    for t in range(6):
        token = embeds[:, t]
        for block in model.blocks:
            context, token = block(context, token)
        manual.append(context)
    assert torch.allclose(model.contexts(embeds), torch.stack(manual, 1))
    assert model(ids).logits.shape == (2, 6, 50)
    assert isinstance(model.blocks[1], CVFPBlock)


def test_bad_configs_and_inputs_are_refused():
    with pytest.raises(UserError, match="hidden_dim .* must equal"):
        CVFPConfig(hidden_dim=20)
    with pytest.raises(UserError, match="layer_structure"):
        CVFPConfig(layer_structure=(1, 0))
    with pytest.raises(UserError, match="layernorm_mix"):
        CVFPConfig(layernorm_mix=1.5)
    model = CVFPModel(CVFPConfig(vocab_size=50, max_seq_len=8))
    with pytest.raises(UserError, match="longer than max_seq_len 8"):
        model(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(UserError, match=r"token ids must lie in \[0, 50\)"):
        model(torch.full((1, 3), 50))
