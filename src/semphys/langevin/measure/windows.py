"""Lines of thought on real text: WordNet windows and the last token's residual stream at every layer.

The layer clock of spec 000 §4.2 (as Lines of Thought, Sarfati et al. 2025, read it): for N text
windows, the last token's residual stream at every layer, and its direction x_l = h_l / |h_l| on
S^(d-1). A window is the start of a WordNet gloss (`semphys.data`),
cut after a random word between the 4th and the 24th; its target is that last word (its last
sub-token is read, `semphys.lm.capture`). Train windows come from the corpus' train synsets,
held-out windows from its validation synsets, so no held-out text is seen by a fit.

Forwards are cached per window (`semphys.lm.cache.ActivationCache`, checksummed, one file per window):
a killed run keeps every chunk it finished and resumes from it.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from semphys.langevin.measure.geometry import unit
from semphys.lm import LM
from semphys.lm.cache import ActivationCache, Request
from semphys.lm.cached_capture import capture_cached

WORD = re.compile(r"(?<!\w)[A-Za-z]+(?!\w)")
"""Whole words only: `find_word` (semphys.lm.targets) matches a target that no word character touches."""
MIN_WORDS, MAX_WORDS = 4, 24
CHUNK = 64
"""Windows per forward call (and per cache flush)."""


def text_windows(
    texts: Sequence[str], n: int, seed: int = 0, fits: Callable[[str], bool] = lambda prompt: True
) -> list[Request]:
    """Up to `n` windows from distinct texts, in a seeded random order of the texts; windows whose prompt
    does not `fit` (the model's context) are skipped."""
    rng = np.random.default_rng(seed)
    windows: list[Request] = []
    for index in rng.permutation(len(texts)):
        gloss = texts[index].split("\n", 1)[0]
        words = list(WORD.finditer(gloss))
        if len(words) < MIN_WORDS:
            continue
        cut = words[int(rng.integers(MIN_WORDS, min(len(words), MAX_WORDS) + 1)) - 1]
        if not fits(gloss[: cut.end()]):
            continue
        windows.append(Request(prompt=gloss[: cut.end()], target=cut.group()))
        if len(windows) == n:
            break
    return windows


@dataclass(frozen=True)
class LineStates:
    """Lines of thought of a set of windows."""

    directions: np.ndarray
    """[n, L + 1, d] float64 unit vectors x_l = h_l / |h_l| (layer 0: the embedding)."""
    norms: np.ndarray
    """[n, L + 1] |h_l|."""
    n_forwarded: int
    """Windows that needed a forward pass (the others came from the cache)."""


def line_states(
    lm: LM, windows: Sequence[Request], cache: ActivationCache | None, log: Callable[[str], None] = lambda message: None
) -> LineStates:
    """The raw residual stream (no final norm) of each window's last word at layers 0..L, cached per window."""
    found, stats = capture_cached(lm, windows, cache, chunk=CHUNK, log=log, occurrence=-1)
    resid = np.stack([found[w] for w in windows]).astype(np.float64)
    return LineStates(directions=unit(resid), norms=np.linalg.norm(resid, axis=-1), n_forwarded=stats.n_forwarded)
