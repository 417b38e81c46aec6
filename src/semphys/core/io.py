"""Reading a user's input files with one-line errors; writing result files so that an interrupted run
never leaves a half-written file behind."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from semphys.core.errors import UserError


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on failure it is removed.

    Raises `UserError` up front when the directory does not exist or is not writable.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UserError(f"cannot write {path}: directory {parent} is not writable")
    tmp = parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        yield tmp
        if tmp.exists():  # a writer that made its own file (safetensors' Rust writer: mode 0600) gets the usual mode
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")
"""The names `atomic_path` gives its temporaries: `.<name>.<pid>.tmp`, beside the file they become."""


def remove_stale_temporaries(directory: Path, recursive: bool = False) -> list[Path]:
    """Remove the temporaries (`.<name>.<pid>.tmp`, see `atomic_path`) that a killed writer (SIGKILL, power loss)
    left in `directory` (and below it when `recursive`); returns them.

    Only files of that exact pattern are touched, and not those of a process still alive (a writer at work).
    Callers pass directories semphys owns: a claimed run directory, a cache directory.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    removed = []
    for path in directory.rglob(".*.tmp") if recursive else directory.glob(".*.tmp"):
        match = TEMPORARY.match(path.name)
        if match is None or not path.is_file() or path.is_symlink() or _alive(int(match.group(1))):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether another process `pid` runs now (this process's own temporaries are never in flight here)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def _umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically and return the path.

    If anything fails, `path` keeps its old content (or stays absent) and no temporary file is
    left behind. Missing parent directories are created. Raises `UserError` naming the path when
    it cannot be written (a file where a directory should be, no permission, disk full).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(
            f"cannot write {path}: cannot create directory {path.parent} ({err.strerror or err}); "
            "choose a writable output directory"
        ) from err
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror or err}; choose a writable output directory") from err
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """`write_bytes_atomic` for UTF-8 text."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def read_user_text(path: Path, what: str, hint: str) -> str:
    """The UTF-8 text of a file the user named (a leading byte-order mark dropped); `UserError` naming `what`
    when it is missing or unreadable.

    hint: what to give instead, appended to the missing-file message (e.g. "give a YAML file").
    """
    try:
        return Path(path).read_text(encoding="utf-8-sig")  # a leading BOM (Windows editors) is not content
    except FileNotFoundError:
        raise UserError(f"{what} {path} does not exist; {hint}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read {what} {path}: {getattr(err, 'strerror', None) or err}") from None
