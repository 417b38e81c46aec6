"""What a reader needs to reproduce a result: versions, command line, date, source revision.

Every run writes this beside its results (STYLE.md, "Command line and output"). Versions are read
from package metadata, so collecting them never imports torch or transformers.
"""

import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import semphys

# The packages whose versions decide whether a number can be reproduced.
TRACKED_PACKAGES = ("torch", "transformers", "numpy", "scipy", "matplotlib", "nltk")


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """`{"python": ..., "semphys": ..., name: version or "not installed"}` for each name."""
    versions = {"python": platform.python_version(), "semphys": semphys.__version__}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_revision() -> str | None:
    """The short commit of the semphys checkout, with `+dirty` if it has uncommitted changes.

    None when semphys is not running from a git checkout (an installed wheel) or git is missing.
    """
    source = Path(semphys.__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit or None


def collect_provenance() -> dict:
    """Versions, command line, UTC time, platform and source revision of this process.

    Returns a JSON-ready dict: `{"versions": {...}, "command": str, "date": ISO-8601 UTC,
    "platform": str, "git": str | None}`.
    """
    return {
        "versions": package_versions(),
        "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "git": git_revision(),
    }
