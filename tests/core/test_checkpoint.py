"""semphys.core.checkpoint: round trip, config checks, damaged files."""

from dataclasses import dataclass

import pytest
import torch

from semphys.core.checkpoint import load_checkpoint, save_checkpoint
from semphys.core.errors import UserError


@dataclass(frozen=True)
class TinyConfig:
    dim: int = 4
    layers: tuple[int, ...] = (1, 1)
    name: str = "tiny"


@dataclass(frozen=True)
class OtherConfig:
    dim: int = 4


def _tensors() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return {"w": torch.randn(4, 4, generator=g), "running_mean": torch.zeros(4)}


def test_round_trip_restores_tensors_config_and_extra(tmp_path):
    path = save_checkpoint(tmp_path / "m.safetensors", _tensors(), TinyConfig(dim=4, layers=(2, 3)), {"step": 7})
    ckpt = load_checkpoint(path, TinyConfig)
    assert ckpt.config == TinyConfig(dim=4, layers=(2, 3))  # tuple restored from the JSON list
    assert ckpt.extra == {"step": 7}
    for name, tensor in _tensors().items():
        assert torch.equal(ckpt.tensors[name], tensor)


def test_expected_config_mismatch_names_the_field(tmp_path):
    path = save_checkpoint(tmp_path / "m.safetensors", _tensors(), TinyConfig(dim=4))
    with pytest.raises(UserError, match=r"another config \(dim: saved 4, expected 8\)"):
        load_checkpoint(path, TinyConfig, expected=TinyConfig(dim=8))
    assert load_checkpoint(path, TinyConfig, expected=TinyConfig(dim=4)).config.dim == 4


def test_other_config_class_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "m.safetensors", _tensors(), TinyConfig())
    with pytest.raises(UserError, match="holds a TinyConfig checkpoint, expected OtherConfig"):
        load_checkpoint(path, OtherConfig)


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_file_is_refused(tmp_path, keep):
    path = save_checkpoint(tmp_path / "m.safetensors", _tensors(), TinyConfig())
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(UserError, match="m.safetensors"):
        load_checkpoint(path, TinyConfig)


@pytest.mark.parametrize("where", ["first tensor", "last tensor"])
def test_a_flipped_bit_is_refused_naming_the_file(tmp_path, where):
    """A flipped samadhi checkpoint once changed `stream` output (7 steps became 6) without a word."""
    model = torch.nn.Linear(4, 4)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.ones(1, 4)).sum().backward()
    optimizer.step()
    path = save_checkpoint(
        tmp_path / "m.safetensors", {"w": torch.ones(64, 4)}, TinyConfig(), optimizer_state=optimizer.state_dict()
    )
    data = bytearray(path.read_bytes())
    header_len = int.from_bytes(data[:8], "little")
    offset = 8 + header_len + (1 if where == "first tensor" else len(data) - 8 - header_len - 2)
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"m\.safetensors fails its checksum"):
        load_checkpoint(path, TinyConfig)


def test_missing_file_and_foreign_safetensors_are_refused(tmp_path):
    with pytest.raises(UserError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "absent.safetensors", TinyConfig)
    from safetensors.torch import save_file

    save_file(_tensors(), str(tmp_path / "plain.safetensors"))
    with pytest.raises(UserError, match="not a semphys checkpoint"):
        load_checkpoint(tmp_path / "plain.safetensors", TinyConfig)


def test_config_must_be_a_dataclass_instance(tmp_path):
    with pytest.raises(TypeError, match="dataclass instance"):
        save_checkpoint(tmp_path / "m.safetensors", _tensors(), {"dim": 4})


def test_optimizer_state_round_trip_continues_training_exactly(tmp_path):
    def model_and_optimizer():
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 2)
        return model, torch.optim.AdamW(model.parameters(), lr=0.1)

    def step(model, optimizer, k):
        optimizer.zero_grad()
        loss = (model(torch.full((4, 3), float(k))) ** 2).mean()
        loss.backward()
        optimizer.step()

    model, optimizer = model_and_optimizer()
    for k in range(3):
        step(model, optimizer, k)
    path = save_checkpoint(
        tmp_path / "m.safetensors", model.state_dict(), TinyConfig(), optimizer_state=optimizer.state_dict()
    )
    for k in range(3, 5):
        step(model, optimizer, k)

    ckpt = load_checkpoint(path, TinyConfig)
    assert set(ckpt.tensors) == {"weight", "bias"}  # optimiser tensors are not model tensors
    assert ckpt.optimizer_state["state"][0]["exp_avg"].shape == (2, 3)  # integer keys survive
    resumed, resumed_optimizer = model_and_optimizer()
    resumed.load_state_dict(ckpt.tensors)
    resumed_optimizer.load_state_dict(ckpt.optimizer_state)
    for k in range(3, 5):
        step(resumed, resumed_optimizer, k)
    for name, tensor in model.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], tensor)


def test_checkpoint_without_optimizer_has_none_and_reserved_names_are_refused(tmp_path):
    path = save_checkpoint(tmp_path / "m.safetensors", _tensors(), TinyConfig())
    assert load_checkpoint(path, TinyConfig).optimizer_state is None
    with pytest.raises(ValueError, match="reserved"):
        save_checkpoint(tmp_path / "n.safetensors", {"__optimizer__.x": torch.zeros(1)}, TinyConfig())


@dataclass(frozen=True)
class OuterConfig:
    inner: TinyConfig = TinyConfig()
    pairs: tuple[tuple[int, float], ...] = ((1, 0.5),)
    name: str = "outer"


def test_nested_configs_and_nested_tuples_are_rebuilt(tmp_path):
    config = OuterConfig(inner=TinyConfig(dim=8, layers=(2, 3)), pairs=((3, 0.1), (9, 0.2)))
    path = save_checkpoint(tmp_path / "m.safetensors", _tensors(), config)
    loaded = load_checkpoint(path, OuterConfig, expected=config).config
    assert loaded == config and isinstance(loaded.inner, TinyConfig) and loaded.pairs[1] == (9, 0.2)
