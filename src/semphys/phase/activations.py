"""Every residual vector a run needs, each distinct (prompt, target) forwarded once.

`suite_requests` lists what a suite needs (anchors, prompts, hint prompts, gradient contexts, the
anisotropy baseline); `capture_all` (`semphys.lm.cached_capture.capture_cached`, the one cache-then-forward
loop) removes duplicates, takes what the cache has, and forwards the rest in chunks of similar
length, writing each chunk to the cache before the next starts (an interrupted run loses at most
one chunk).
"""

from collections.abc import Iterable, Sequence

import numpy as np

from semphys.core.errors import UserError
from semphys.lm import LM, locate_target
from semphys.lm.cache import Request
from semphys.lm.cached_capture import CaptureStats, capture_cached
from semphys.phase.anisotropy import BASELINE
from semphys.phase.diagram import gradient_contexts
from semphys.phase.inputs.prompts import Suite, Word

__all__ = ["CaptureStats", "capture_all", "check_readable", "hint_prompt", "stack", "suite_requests", "word_requests"]

capture_all = capture_cached
"""Every residual vector of a suite's requests, cached per request (see the module docstring)."""


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


def check_readable(lm: LM, requests: Iterable[Request]) -> None:
    """Raise `UserError` for the first request this model cannot read: target not found, or longer than its context."""
    for request in requests:
        span = locate_target(lm.tokenizer, request.prompt, request.target)
        if not lm.facts.fits(span.n_tokens):
            raise UserError(f"prompt {request.prompt[:50]!r} is longer than {lm.facts.spec}'s context")


def stack(vectors: dict[Request, np.ndarray], requests: Sequence[Request]) -> np.ndarray:
    """[len(requests), n_layers + 1, d_model] float64, in the given order."""
    return np.stack([vectors[r] for r in requests]).astype(np.float64)
