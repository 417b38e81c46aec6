"""Capture many prompts and keep only a projection of each residual stream, chunk by chunk.

Some experiments need a few numbers per prompt and layer (an order parameter, a cosine), not the
whole residual stream: spec 001's phase diagram at WordNet scale forwards ~10^4 growing contexts,
and holding `[n_prompts, n_layers + 1, d_model]` for them would take gigabytes. `capture_projected`
forwards the prompts in chunks with `capture_residuals` (the one hook installer and the one batched
forward), hands each chunk's `[chunk, n_layers + 1, d_model]` to `project` at once and keeps only
what it returns (e.g. `[chunk, n_layers + 1]`): at most one chunk of full vectors is ever held.

Cache: with a `directory`, each chunk's projection is kept as one `.npy` file whose name hashes the
model key, the projector's `fingerprint` and the chunk's requests. Chunks are formed in a fixed
order (sorted by prompt length, then text), so a re-run with the same requests and projector reads
every chunk back and forwards nothing; a killed run keeps every finished chunk. A file that cannot
be read or has the wrong row count is a miss and is captured again.
"""

import hashlib
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from semphys.core.io import remove_stale_temporaries, write_bytes_atomic
from semphys.lm.cache import Request, model_key
from semphys.lm.capture import capture_residuals
from semphys.lm.models.loading import LM

Projector = Callable[[list[Request], np.ndarray], np.ndarray]
"""project(requests of a chunk, resid [chunk, n_layers + 1, d_model] float32) -> [chunk, ...]."""


@dataclass(frozen=True)
class ProjectedStats:
    """What `capture_projected` did."""

    n_requests: int
    n_chunks: int
    n_cached_chunks: int
    """Chunks read back from the directory."""
    n_forwarded: int
    """Requests run through the model."""
    seconds: float

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def _chunk_path(directory: Path, key: str, fingerprint: str, part: Sequence[Request]) -> Path:
    digest = hashlib.sha256()
    digest.update(f"{key}\n{fingerprint}\n".encode())
    for request in part:
        digest.update(f"{request.prompt}\x00{request.target}\x01".encode())
    return directory / key / f"{digest.hexdigest()[:32]}.npy"


def _read(path: Path, rows: int) -> np.ndarray | None:
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return values if values.shape[:1] == (rows,) else None


def _write(path: Path, values: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    buffer = io.BytesIO()
    np.save(buffer, values, allow_pickle=False)
    write_bytes_atomic(path, buffer.getvalue())


def capture_projected(
    lm: LM,
    requests: Sequence[Request],
    project: Projector,
    fingerprint: str,
    directory: Path | None = None,
    chunk: int = 256,
    log: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, ProjectedStats]:
    """project(...) of every request, in the order given: [len(requests), ...] (float64).

    `fingerprint` names the projector (what it projects onto): a cached chunk is used only under the
    same fingerprint. Duplicate requests are forwarded once.
    """
    start = time.perf_counter()
    listed = list(requests)
    distinct = sorted(dict.fromkeys(listed), key=lambda r: (len(r.prompt), r.prompt, r.target))
    parts = [distinct[i : i + chunk] for i in range(0, len(distinct), chunk)]
    key = model_key(lm.facts) if directory is not None else ""
    found: dict[Request, np.ndarray] = {}
    cached = forwarded = 0
    for number, part in enumerate(parts):
        path = _chunk_path(Path(directory), key, fingerprint, part) if directory is not None else None
        values = _read(path, len(part)) if path is not None and path.exists() else None
        if values is None:
            result = capture_residuals(lm, [r.prompt for r in part], [r.target for r in part], progress=False)
            values = np.asarray(project(part, result.resid.numpy()), dtype=np.float64)
            del result
            if path is not None:
                _write(path, values)
            forwarded += len(part)
        else:
            cached += 1
        found.update(zip(part, values))
        if log is not None and (number + 1) % 20 == 0:
            log(f"{lm.facts.spec}: {number + 1} of {len(parts)} chunks of growing contexts and hints")
    if not listed:
        return np.zeros((0,)), ProjectedStats(0, 0, 0, 0, time.perf_counter() - start)
    out = np.stack([found[r] for r in listed])
    return out, ProjectedStats(len(listed), len(parts), cached, forwarded, time.perf_counter() - start)
