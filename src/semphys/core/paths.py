"""Where semphys keeps what it builds once and reuses: model caches, WordNet layout, tokenizers."""

import os
from pathlib import Path

import platformdirs


def cache_dir(*parts: str) -> Path:
    """The semphys cache directory (created), optionally a sub-directory of it.

    `$SEMPHYS_CACHE` when set, else the user cache directory (`$XDG_CACHE_HOME/semphys`, by
    default `~/.cache/semphys`).
    """
    root = os.environ.get("SEMPHYS_CACHE") or platformdirs.user_cache_dir("semphys", appauthor=False)
    path = Path(root, *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
