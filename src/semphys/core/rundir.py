"""Run directories that know their owner: `--out` is claimed by one command and one config.

Every command that writes `--out` claims it first, after validating its options and before any
work, with `claim_run_dir`. The claim writes `OUT/semphys-run.json`:

    {"schema": "semphys.run/1", "command": "phase run", "fingerprint": "<16 hex>",
     "document_schema": "semphys.phase/2" | null, "config": {...}, "semphys_version": "0.1.0"}

and refuses, with a one-line `UserError` naming both sides:
- a directory claimed by another command (`samadhi train --out <a cvfp run>`);
- a directory of the same command with another config (the differing fields are named);
- a non-empty directory that is not a semphys run (no manifest), so that `--out ~` never mixes a
  run into a user's files.
`check_run_dir` makes the same refusals without writing anything, for commands that check up front
and claim just before their first write. The same command with the same config is a resume: caches and resumable state (checkpoints, job
files) stay, while the final documents named in `outputs` (e.g. `results.json`, `report.html`,
`*.png`) are removed at claim time, so a re-run that is interrupted never leaves a new results file
beside an old report: the outputs a directory holds always come from one run.

A claimed directory is locked (`fcntl.flock` on the directory itself, so no file is added beside
`semphys-run.json`) until the claiming process exits or calls `release_run_dirs` (the CLI does after
each command): a second process that claims it meanwhile is refused with one line and changes nothing,
whatever its command or config. The lock is re-entrant within a process (a library caller that runs
and resumes in one session is not refused by itself) and released by the OS when a process dies.

A resumed claim also removes the temporaries (`.<name>.<pid>.tmp`, `semphys.core.io.atomic_path`) that a
killed run (SIGKILL) left anywhere in the directory: a checkpoint or document it was writing.
"""

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semphys.core.errors import UserError
from semphys.core.io import remove_stale_temporaries, write_text_atomic
from semphys.core.jsondoc import clean, to_json
from semphys.core.validate import require_directory_option

MANIFEST = "semphys-run.json"
SCHEMA = "semphys.run/1"

_held: dict[str, int] = {}
"""Resolved directory -> the open descriptor holding its lock, for this process (`lock_run_dir`)."""


@dataclass(frozen=True)
class RunDir:
    """A claimed run directory."""

    path: Path
    command: str
    fingerprint: str
    resumed: bool
    """True when the directory already held a run of this command and config."""


def fingerprint(config: Any) -> str:
    """16 hex digits of the SHA-256 of the config's canonical JSON (dataclasses, numpy and paths included)."""
    text = json.dumps(clean(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_manifest(out: Path) -> dict | None:
    """The manifest of `out`, or None when it has none; `UserError` when it is unreadable."""
    path = Path(out) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["command"], manifest["fingerprint"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise UserError(
            f"{path} is damaged or not a semphys run manifest; remove {out} or choose another --out"
        ) from None
    return manifest


def _differing_fields(old: Any, new: Any) -> list[str]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def _remove_outputs(out: Path, outputs: Sequence[str]) -> None:
    for pattern in outputs:
        for path in out.glob(pattern):
            if path.name == MANIFEST:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


def lock_run_dir(out: Path) -> None:
    """Hold `out`'s lock for this process until `release_run_dirs` or exit; `UserError` when another process
    holds it. `out` must exist."""
    key = str(Path(out).resolve())
    if key in _held:
        return
    try:
        descriptor = os.open(key, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as err:
        raise UserError(
            f"cannot open --out {out}: {err.strerror or err}; choose a readable, writable directory"
        ) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise UserError(
            f"{out} is in use by another semphys run (it holds the directory's lock); wait for it to "
            "finish or choose another --out"
        ) from None
    _held[key] = descriptor


def release_run_dirs() -> None:
    """Release every run directory this process locked (the CLI calls it when a command ends)."""
    while _held:
        _, descriptor = _held.popitem()
        os.close(descriptor)


def withdraw_claim(out: Path, created: bool) -> bool:
    """Undo a claim whose run failed before writing anything: when `out` holds only its manifest, remove the
    manifest (and `out` itself when the claim `created` it) and release its lock. True when withdrawn."""
    out = Path(out)
    if not out.is_dir() or [p.name for p in out.iterdir()] != [MANIFEST]:
        return False
    descriptor = _held.pop(str(out.resolve()), None)
    if descriptor is not None:
        os.close(descriptor)
    (out / MANIFEST).unlink()
    if created:
        out.rmdir()
    return True


def run_dir_in_use(out: Path) -> bool:
    """Whether another process holds `out`'s lock now (a directory that does not exist is not in use)."""
    key = str(Path(out).resolve())
    if key in _held or not Path(key).is_dir():
        return False
    try:
        descriptor = os.open(key, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False  # unreadable: the writability checks name the problem
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def check_run_dir(out: Path, command: str, config: Any) -> bool:
    """Every refusal of `claim_run_dir`, without writing anything; returns True when `out` holds this run.

    For commands whose work is short or writes nothing until the end: check up front (before any
    model loads), claim just before the first file is written.
    """
    out = Path(out)
    require_directory_option("--out", out)
    if run_dir_in_use(out):
        raise UserError(
            f"{out} is in use by another semphys run (it holds the directory's lock); wait for it to "
            "finish or choose another --out"
        )
    config_doc = clean(config)
    manifest = read_manifest(out) if out.is_dir() else None
    if manifest is not None:
        if manifest["command"] != command:
            raise UserError(
                f"{out} holds a `semphys {manifest['command']}` run; `semphys {command}` will not write "
                "into it; choose another --out"
            )
        if manifest["fingerprint"] != fingerprint(config_doc):
            fields = _differing_fields(manifest.get("config"), config_doc)
            which = f" ({', '.join(fields)} differ)" if fields else ""
            raise UserError(
                f"{out} holds a `semphys {command}` run with other settings{which}; choose another "
                "--out, or remove it to start over"
            )
        return True
    if out.is_dir() and any(out.iterdir()):
        raise UserError(
            f"{out} is not empty and is not a semphys run directory (no {MANIFEST}); choose a new or empty --out"
        )
    return False


def claim_run_dir(
    out: Path, command: str, config: Any, outputs: Sequence[str] = (), document_schema: str | None = None
) -> RunDir:
    """Claim `out` for `command` with `config` (a dataclass or a JSON-ready dict); see the module docstring.

    outputs: glob patterns, relative to `out`, of the final documents a resumed run replaces.
    document_schema: the schema version of the run's main results document, recorded in the manifest.
    """
    out = Path(out)
    config_doc = clean(config)
    digest = fingerprint(config_doc)
    check_run_dir(out, command, config_doc)  # refuse before creating anything
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create --out {out}: {err.strerror or err}; choose a writable directory") from None
    lock_run_dir(out)
    if check_run_dir(out, command, config_doc):  # again under the lock: another process may have claimed it
        _remove_outputs(out, outputs)
        remove_stale_temporaries(out, recursive=True)  # what a killed run of this command was writing
        return RunDir(out, command, digest, resumed=True)
    from semphys import __version__

    document = {
        "schema": SCHEMA,
        "command": command,
        "fingerprint": digest,
        "document_schema": document_schema,
        "config": config_doc,
        "semphys_version": __version__,
    }
    write_text_atomic(out / MANIFEST, to_json(document))
    return RunDir(out, command, digest, resumed=False)
