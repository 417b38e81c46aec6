"""Every residual vector a run needs, each distinct (prompt, target) forwarded once.

`suite_requests` lists what a suite needs (anchors, prompts, hint prompts, gradient contexts, the
anisotropy baseline); `capture_all` removes duplicates, takes what the cache has, and forwards the
rest with `semphys.lm.capture_residuals` in chunks of similar length, writing each chunk to the cache
before the next starts (so an interrupted run loses at most one chunk).
"""

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from semphys.errors import UserError
from semphys.lm import LM, capture_residuals, locate_target
from semphys.lm.cache import ActivationCache, Request
from semphys.phase.anisotropy import BASELINE
from semphys.phase.diagram import gradient_contexts
from semphys.phase.prompts import Suite, Word


@dataclass(frozen=True)
class CaptureStats:
    """What `capture_all` did."""

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


def hint_prompt(word: Word, hint: str, template: str) -> str:
    """Spec exp. 4's perturbed prompt: the hint before the word's base prompt."""
    return template.format(hint=hint, prompt=word.hint_base.text)


def word_requests(word: Word, hint_template: str) -> list[Request]:
    """Everything one word needs: anchors, prompts, hint prompts, gradient contexts."""
    texts = [s for sense in word.senses for s in word.anchors[sense]]
    texts += [p.text for p in word.prompts]
    texts += [hint_prompt(word, hint, hint_template) for hint in word.hints]
    for sense in word.senses:
        if sense in word.gradient:
            texts += [context.text for context in gradient_contexts(word.gradient[sense], word.word)]
    return [Request(text, word.word) for text in texts]


def suite_requests(suite: Suite, hint_template: str) -> list[Request]:
    """Every request of a suite, the baseline first, in a stable order (duplicates kept)."""
    requests = [Request(prompt, target) for prompt, target in BASELINE]
    for word in suite.words:
        requests += word_requests(word, hint_template)
    return requests


CaptureFn = Callable[..., object]


def check_readable(lm: LM, requests: Iterable[Request]) -> None:
    """Raise `UserError` for the first request this model cannot read: target not found, or longer than its context."""
    for request in requests:
        span = locate_target(lm.tokenizer, request.prompt, request.target)
        if not lm.facts.fits(span.n_tokens):
            raise UserError(f"prompt {request.prompt[:50]!r} is longer than {lm.facts.spec}'s context")


def capture_all(
    lm: LM,
    requests: Iterable[Request],
    cache: ActivationCache | None,
    pooling: str = "last",
    final_norm: bool = False,
    chunk: int = 64,
    capture: CaptureFn = capture_residuals,
    log: Callable[[str], None] | None = None,
    layers: Sequence[int] | None = None,
) -> tuple[dict[Request, np.ndarray], CaptureStats]:
    """Residual vectors [n_layers + 1, d_model] (float32) for every distinct request; [len(layers), d_model]
    at the given layers only (the forward pass stops after the deepest; `cache` must hold the same layers).

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
        log(f"warning: {len(cache.damaged)} damaged activation cache entries (failed checksum) are captured again, "
            f"e.g. {cache.damaged[0]}")
    chunks = [missing[i : i + chunk] for i in range(0, len(missing), chunk)]
    if log is not None and missing:
        log(f"{lm.facts.spec}: {len(found)} of {len(distinct)} distinct prompts cached; forwarding {len(missing)}")
    for part in chunks:
        result = capture(
            lm, [r.prompt for r in part], [r.target for r in part], layers=layers, pooling=pooling,
            final_norm=final_norm, progress=False,
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


def stack(vectors: dict[Request, np.ndarray], requests: Sequence[Request]) -> np.ndarray:
    """[len(requests), n_layers + 1, d_model] float64, in the given order."""
    return np.stack([vectors[r] for r in requests]).astype(np.float64)
