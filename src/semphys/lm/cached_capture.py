"""The cache-then-forward loop every subsystem uses to read many target words.

`capture_cached` removes duplicate requests, takes what the activation cache has, and forwards the
rest with `capture_residuals` in chunks of similar length, writing each chunk to the cache before
the next starts: an interrupted run loses at most one chunk, and a re-run forwards only what is
missing. The phase suites, the sense readout and the lines of thought of `langevin measure` all
read their residual vectors through it.
"""

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from semphys.lm.cache import ActivationCache, Request
from semphys.lm.capture import capture_residuals
from semphys.lm.models.loading import LM

CaptureFn = Callable[..., object]


@dataclass(frozen=True)
class CaptureStats:
    """What `capture_cached` did."""

    n_requests: int
    """Requests as listed, duplicates included."""
    n_distinct: int
    n_cached: int
    """Distinct requests read from the cache."""
    n_forwarded: int
    """Distinct requests run through the model (each once)."""
    n_calls: int
    """`capture_residuals` calls (chunks)."""
    seconds: float

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def capture_cached(
    lm: LM,
    requests: Iterable[Request],
    cache: ActivationCache | None,
    pooling: str = "last",
    final_norm: bool = False,
    chunk: int = 64,
    capture: CaptureFn = capture_residuals,
    log: Callable[[str], None] | None = None,
    layers: Sequence[int] | None = None,
    occurrence: int = 0,
) -> tuple[dict[Request, np.ndarray], CaptureStats]:
    """Residual vectors [n_layers + 1, d_model] (float32) for every distinct request; [len(layers), d_model]
    at the given layers only (the forward pass stops after the deepest; `cache` must hold the same layers).

    occurrence: which occurrence of the target in its prompt is read (0 the first, -1 the last).
    `capture` is `capture_residuals` (replaceable in tests, e.g. to interrupt a run).
    """
    start = time.perf_counter()
    listed = list(requests)
    distinct = list(dict.fromkeys(listed))
    found: dict[Request, np.ndarray] = {}
    missing: list[Request] = []
    for request in distinct:
        hit = cache.get(request) if cache is not None else None
        if hit is None:
            missing.append(request)
        else:
            found[request] = hit
    missing.sort(key=lambda r: len(r.prompt))
    if log is not None and cache is not None and cache.damaged:
        log(
            f"warning: {len(cache.damaged)} damaged activation cache entries (failed checksum) are captured again, "
            f"e.g. {cache.damaged[0]}"
        )
    chunks = [missing[i : i + chunk] for i in range(0, len(missing), chunk)]
    if log is not None and missing:
        log(f"{lm.facts.spec}: {len(found)} of {len(distinct)} distinct prompts cached; forwarding {len(missing)}")
    for part in chunks:
        result = capture(
            lm,
            [r.prompt for r in part],
            [r.target for r in part],
            layers=layers,
            pooling=pooling,
            final_norm=final_norm,
            occurrence=occurrence,
            progress=False,
        )
        resid = np.asarray(result.resid.numpy() if hasattr(result.resid, "numpy") else result.resid, dtype=np.float32)
        for request, vectors in zip(part, resid):
            if cache is not None:
                cache.put(request, vectors)
            found[request] = vectors
    stats = CaptureStats(
        n_requests=len(listed),
        n_distinct=len(distinct),
        n_cached=len(distinct) - len(missing),
        n_forwarded=len(missing),
        n_calls=len(chunks),
        seconds=time.perf_counter() - start,
    )
    return found, stats
