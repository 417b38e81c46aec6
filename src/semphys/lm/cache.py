"""Activations on disk, one file per (model, prompt, target, pooling, final norm, layer set when not all).

Used by every subsystem that forwards real text (phase, its readout, langevin's measurements): a
re-run reads what an earlier run captured; an interrupted run keeps every entry it wrote. Each
entry is a checksummed safetensors file (`semphys.core.safefile`) holding `resid: [n_layers + 1,
d_model]` (float32) and, as metadata, the request it answers; it is written atomically, so an entry
is either whole or absent (the temporary a killed writer leaves is removed by the next writer). An entry that fails its checksum (a flipped bit, a truncation), cannot be
read, or whose metadata does not match the request, is a miss: it is counted in `damaged` and
captured again, never used.

Layer subsets: a cache opened with `layers` (a strictly ascending subset of 0..n_layers) holds
entries `resid: [len(layers), d_model]` whose key and metadata name the layer set; a cache of all
layers (`layers=None`, or every index) keeps the key it always had. A subset cache that misses its
own entry reads the all-layer entry of the request and slices it (an all-layer run serves every later
subset run); an all-layer cache never reads a subset entry, nor a subset cache another subset's.

Layout: `<root>/<model key>/<sha256 of the request>.safetensors`, root by default
`$SEMPHYS_CACHE/activations`. The model key is the spec made file-safe plus a hash of the
model's facts (architecture, sizes, parameter count, source) and of its weight files (size, mtime,
safetensors header), so two models never share entries and weights replaced in place get a new key.
"""

import errno
import hashlib
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from semphys.core.errors import UserError
from semphys.core.io import remove_stale_temporaries
from semphys.core.paths import cache_dir
from semphys.core.safefile import DamagedFile, load_checked, save_checked
from semphys.lm.models.loading import ModelFacts
from semphys.lm.models.weights import weights_fingerprint


@dataclass(frozen=True)
class Request:
    """One distinct capture: the target word's residual stream in one prompt."""

    prompt: str
    target: str


def model_key(facts: ModelFacts) -> str:
    """`<spec, file-safe>-<12 hex digits of the facts and of the weight files' fingerprint>`.

    The fingerprint (`semphys.lm.models.weights.weights_fingerprint`: each weight file's size, mtime and header
    hash) changes when a local model directory's weights are replaced or repaired in place, so its old
    entries are never read again.
    """
    identity = facts.to_dict()
    if weights := weights_fingerprint(facts.source):
        identity["weights"] = weights
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(facts.spec).name or facts.spec)[:40]
    return f"{name}-{digest}"


class ActivationCache:
    """Entries of one model under one capture setting (pooling, final norm)."""

    def __init__(
        self,
        facts: ModelFacts,
        pooling: str,
        final_norm: bool,
        root: Path | None = None,
        layers: Sequence[int] | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else cache_dir("activations")
        self.directory = self.root / model_key(facts)
        self.model = facts.spec
        self.pooling = pooling
        self.final_norm = final_norm
        self.n_all = facts.n_layers + 1
        """Rows of an all-layer entry."""
        self.layers = _layer_subset(layers, facts.n_layers)
        """The layer indices of each entry; None: all of 0..n_layers."""
        self.shape = (self.n_all if self.layers is None else len(self.layers), facts.d_model)
        self.full = False
        """Set when a write found the disk full: the cache then reads but no longer writes."""
        self._swept = False
        self.damaged: list[Path] = []
        """Entries found damaged (failed checksum or unreadable) by `get`, in order; each was a miss."""

    def _meta(self, request: Request, layers: tuple[int, ...] | None) -> dict[str, str]:
        meta = {
            "prompt": request.prompt,
            "target": request.target,
            "pooling": self.pooling,
            "final_norm": json.dumps(self.final_norm),
            "model": self.model,
        }
        if layers is not None:
            meta["layers"] = json.dumps(list(layers))
        return meta

    def path(self, request: Request) -> Path:
        return self._path(request, self.layers)

    def _path(self, request: Request, layers: tuple[int, ...] | None) -> Path:
        meta = self._meta(request, layers)
        meta.pop("model")
        digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()
        return self.directory / f"{digest}.safetensors"

    def holds(self, request: Request) -> bool:
        """Whether an entry for `request` is on disk (not read, not checked: `get` decides if it is usable)."""
        return self.path(request).is_file()

    def get(self, request: Request) -> np.ndarray | None:
        """The cached [n_layers + 1 or len(layers), d_model] vectors, or None (absent, damaged, or not this
        request). A subset cache falls back to the request's all-layer entry, sliced."""
        own = self._read(request, self.layers, self.shape)
        if own is not None or self.layers is None:
            return own
        full = self._read(request, None, (self.n_all, self.shape[1]))
        return None if full is None else full[list(self.layers)]

    def _read(self, request: Request, layers: tuple[int, ...] | None, shape: tuple[int, int]) -> np.ndarray | None:
        path = self._path(request, layers)
        try:
            tensors, meta = load_checked(path)
        except FileNotFoundError:
            return None
        except (DamagedFile, OSError):
            self.damaged.append(path)
            return None
        resid = tensors.get("resid")
        expected = self._meta(request, layers)
        if any(meta.get(key) != value for key, value in expected.items() if key != "model"):
            return None
        if layers is None and "layers" in meta:
            return None
        if resid is None or resid.shape != shape:
            return None
        return resid

    def put(self, request: Request, resid: np.ndarray) -> Path | None:
        """Write one entry atomically, checksummed. resid: [n_layers + 1 or len(layers), d_model].

        A full disk (ENOSPC, EDQUOT) is not the run's failure: one warning on stderr, then this cache stops
        writing (returns None) and the run goes on uncached.
        """
        if self.full:
            return None
        if not self._swept:
            self._swept = True
            remove_stale_temporaries(self.directory)  # a killed writer's half-written entries
        try:
            return save_checked(
                self.path(request), {"resid": np.asarray(resid, dtype=np.float32)}, self._meta(request, self.layers)
            )
        except (OSError, UserError) as err:
            cause = err if isinstance(err, OSError) else err.__cause__
            if not isinstance(cause, OSError) or cause.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            self.full = True
            print(
                f"warning: activation cache {self.directory} is full ({os.strerror(cause.errno)}); going on "
                "without caching",
                file=sys.stderr,
                flush=True,
            )
            return None


def _layer_subset(layers: Sequence[int] | None, n_layers: int) -> tuple[int, ...] | None:
    """None for all layers (None or every index 0..n_layers); else the checked, strictly ascending subset."""
    if layers is None:
        return None
    chosen = tuple(int(layer) for layer in layers)
    if not chosen or any(b <= a for a, b in zip(chosen, chosen[1:])) or chosen[0] < 0 or chosen[-1] > n_layers:
        raise ValueError(f"cache layers {list(chosen)} must be strictly ascending within 0..{n_layers}")
    return None if chosen == tuple(range(n_layers + 1)) else chosen
