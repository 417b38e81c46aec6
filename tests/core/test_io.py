"""semphys.core.io: a failed write leaves the old file whole, no temporary behind; a bad input file is one error."""

import errno
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.core.io import read_user_text, write_bytes_atomic, write_text_atomic
from semphys.core.report import Report


def test_write_replaces_the_old_content(tmp_path):
    path = tmp_path / "index.html"
    write_text_atomic(path, "old")
    assert write_text_atomic(path, "new") == path
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    path = tmp_path / "index.html"
    path.write_text("old report")
    real_write_bytes = Path.write_bytes

    def write_half_then_fail(self, data):
        real_write_bytes(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", write_half_then_fail)
    report = Report("t", provenance={})
    report.section("s").text("x" * 10_000)
    with pytest.raises(UserError, match=f"cannot write {path}: No space left on device"):
        report.write(path)
    monkeypatch.undo()
    assert path.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_new_file_that_fails_is_not_created(tmp_path, monkeypatch):
    path = tmp_path / "index.html"
    monkeypatch.setattr("os.replace", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(UserError, match="I/O error"):
        write_bytes_atomic(path, b"data")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_location_is_a_user_error_naming_the_path(tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the output directory should be")
    target = blocker / "demo" / "index.html"
    with pytest.raises(UserError) as info:
        Report("t", provenance={}).write(target)
    message = str(info.value)
    assert str(target) in message and "\n" not in message
    assert "writable" in message


def test_read_user_text_names_the_file_and_what_it_is(tmp_path: Path) -> None:
    good = tmp_path / "spec.yaml"
    good.write_text("models: [embedded]\n", encoding="utf-8")
    assert read_user_text(good, "sweep spec", "give a YAML file") == "models: [embedded]\n"
    with pytest.raises(UserError, match=r"^sweep spec .*none.yaml does not exist; give a YAML file$"):
        read_user_text(tmp_path / "none.yaml", "sweep spec", "give a YAML file")
    with pytest.raises(UserError, match=r"^cannot read sweep spec .*: Is a directory$"):
        read_user_text(tmp_path, "sweep spec", "give a YAML file")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(UserError, match=r"^cannot read text file .*latin.txt: 'utf-8' codec can't decode"):
        read_user_text(latin, "text file", "give a UTF-8 text file")


def test_atomic_files_get_the_usual_mode_whoever_writes_them(tmp_path) -> None:
    """safetensors' writer made capture files 0600; every atomic write now ends with 0666 & ~umask."""
    import os
    import stat

    from safetensors.numpy import save_file

    from semphys.core.io import atomic_path

    path = tmp_path / "x.safetensors"
    with atomic_path(path) as tmp:
        import numpy as np

        save_file({"a": np.zeros(2, np.float32)}, str(tmp))
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
