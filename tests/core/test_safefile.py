"""semphys.core.safefile: checksummed safetensors detect flipped bits, truncation and foreign files."""

import numpy as np
import pytest
import torch
from safetensors.numpy import save

from semphys.core.safefile import CRC_KEY, DamagedFile, load_checked, save_checked, tensors_crc32


def test_round_trip_keeps_tensors_and_metadata(tmp_path) -> None:
    tensors = {"resid": np.arange(12, dtype=np.float32).reshape(3, 4), "ids": np.arange(3)}
    path = save_checked(tmp_path / "e.safetensors", tensors, {"prompt": "The bank"})
    loaded, meta = load_checked(path)
    assert meta["prompt"] == "The bank" and len(meta[CRC_KEY]) == 8
    for name, value in tensors.items():
        assert np.array_equal(loaded[name], value) and loaded[name].dtype == value.dtype


@pytest.mark.parametrize("position", ["first data byte", "last data byte", "metadata"])
def test_any_flipped_bit_is_detected(tmp_path, position: str) -> None:
    path = save_checked(tmp_path / "e.safetensors", {"resid": np.ones((8, 8), np.float32)}, {"prompt": "bank"})
    data = bytearray(path.read_bytes())
    header_len = int.from_bytes(data[:8], "little")
    index = {"first data byte": 8 + header_len, "last data byte": len(data) - 1, "metadata": data.index(b"bank") + 1}[
        position
    ]
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedFile, match=r"e\.safetensors (fails its checksum|is truncated or damaged)"):
        load_checked(path)


def test_truncation_and_a_file_without_checksum_are_damage_and_a_missing_file_is_not(tmp_path) -> None:
    path = save_checked(tmp_path / "e.safetensors", {"x": np.zeros(100, np.float32)}, {})
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DamagedFile, match="truncated or damaged"):
        load_checked(path)
    path.write_bytes(save({"x": np.zeros(3, np.float32)}))
    with pytest.raises(DamagedFile, match="carries no checksum"):
        load_checked(path)
    with pytest.raises(FileNotFoundError):
        load_checked(tmp_path / "absent.safetensors")


def test_the_checksum_reads_torch_and_numpy_alike_and_depends_on_names_and_shapes() -> None:
    array = np.arange(6, dtype=np.float32)
    assert tensors_crc32({"a": array}, {}) == tensors_crc32({"a": torch.from_numpy(array)}, {})
    assert tensors_crc32({"a": array}, {}) != tensors_crc32({"b": array}, {})
    assert tensors_crc32({"a": array}, {}) != tensors_crc32({"a": array.reshape(2, 3)}, {})
    assert tensors_crc32({"a": torch.ones(2, dtype=torch.bfloat16)}, {}) != tensors_crc32({"a": torch.ones(2)}, {})
