from pathlib import Path

from semphys.lm.models.checksum import MANIFEST, crc32_file, verify_manifest, write_manifest


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.bin").write_bytes(bytes(range(256)) * 100)
    (tmp_path / "sub" / "b.txt").write_text("hello")
    return tmp_path


def test_crc32_known_value(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"123456789")
    assert crc32_file(path) == "cbf43926"  # the CRC-32 check value


def test_intact_directory_verifies(tmp_path: Path) -> None:
    manifest = write_manifest(_tree(tmp_path), {"format": 1})
    assert set(manifest["files"]) == {"a.bin", "sub/b.txt"}
    assert verify_manifest(tmp_path) is None


def test_missing_manifest_means_unfinished_build(tmp_path: Path) -> None:
    assert "never finished" in verify_manifest(_tree(tmp_path))


def test_truncated_file_is_detected(tmp_path: Path) -> None:
    write_manifest(_tree(tmp_path))
    data = (tmp_path / "a.bin").read_bytes()
    (tmp_path / "a.bin").write_bytes(data[:-10])
    assert "bytes, expected" in verify_manifest(tmp_path)


def test_same_size_corruption_fails_checksum(tmp_path: Path) -> None:
    write_manifest(_tree(tmp_path))
    data = bytearray((tmp_path / "a.bin").read_bytes())
    data[1000] ^= 0xFF
    (tmp_path / "a.bin").write_bytes(bytes(data))
    assert "fails its checksum" in verify_manifest(tmp_path)


def test_missing_file_and_garbled_manifest(tmp_path: Path) -> None:
    write_manifest(_tree(tmp_path))
    (tmp_path / "sub" / "b.txt").unlink()
    assert "missing" in verify_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    assert "unreadable" in verify_manifest(tmp_path)
