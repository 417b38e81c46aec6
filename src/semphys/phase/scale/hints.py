"""Susceptibility at WordNet scale (spec 001 exp. 4): chi(l) per word from hint words of its glosses.

The field h is one word put before the word's neutral prompt ("money. The bank", the phase run's
`hint_template`), and chi(l) = |sigma_hint(l) - sigma_base(l)| (`semphys.phase.susceptibility`), read
on the word's gloss contrast. The hints:
    sense        up to `n_hints` content words of class A's first gloss and as many of class B's
                 (the other sense's): chi is their mean
    hint-free    a filler word that carries no sense ("Then. The bank"): how much any word before the
                 target moves sigma (a reference, not a hint)
    wrong sense  a content word of another word's gloss (the next word of the list): a hint about a
                 sense the word does not have (a reference)
A content word has four or more letters, is not the lemma and not a function word
(`phase.inputs.wordnet_words`, the rule of the phase run's WordNet hints).

Per word the peak of mean chi is sought from the first fitted layer on, and compared with the word's
l_c (the half-rise of its word curve's selected fit): spec 001's "χ のピーク位置と l_c のずれ".
"""

import re
from dataclasses import dataclass

import numpy as np

from semphys.evidence import Null, percentile_interval
from semphys.phase.inputs.wordnet_words import _FUNCTION_WORDS
from semphys.phase.readout.items import ReadoutWord
from semphys.phase.verdict.nulls import permuted_peaks

HINT_FREE = "Then"
"""The filler of the hint-free reference."""
GLOSS_PREFIX = "In the sense of "


def gloss_text(prompt: str, lemma: str) -> str:
    """The gloss inside a gloss prompt ("In the sense of <gloss>, the <lemma>"); the prompt itself otherwise."""
    suffix = f", the {lemma}"
    if prompt.startswith(GLOSS_PREFIX) and prompt.endswith(suffix):
        return prompt[len(GLOSS_PREFIX) : -len(suffix)]
    return prompt


def content_words(text: str, lemma: str, n: int) -> list[str]:
    """The first `n` distinct content words of `text` (see the module docstring), lower case."""
    found: list[str] = []
    for token in re.findall(r"[A-Za-z]+", text):
        word = token.lower()
        if len(word) >= 4 and word not in _FUNCTION_WORDS and word != lemma.lower() and word not in found:
            found.append(word)
        if len(found) == n:
            break
    return found


@dataclass(frozen=True)
class WordHints:
    """The hint prompts of one word."""

    base: str
    sense: tuple[str, ...]
    """Prompts with a sense hint (A's words, then B's)."""
    hint_free: str
    wrong_sense: str | None


def word_hints(word: ReadoutWord, other: ReadoutWord | None, template: str, n_hints: int) -> WordHints:
    """The hint prompts of `word`; `other` lends the wrong-sense hint."""
    base = f"The {word.lemma}"
    hints: list[str] = []
    for cls in word.classes[:2]:
        for hint in content_words(gloss_text(cls.glosses[0], word.lemma), word.lemma, n_hints):
            if hint not in hints:
                hints.append(hint)
    wrong = None
    if other is not None:
        candidates = [
            w
            for w in content_words(gloss_text(other.classes[0].glosses[0], other.lemma), word.lemma, 4)
            if w not in hints
        ]
        wrong = template.format(hint=candidates[0], prompt=base) if candidates else None
    return WordHints(
        base,
        tuple(template.format(hint=h, prompt=base) for h in hints),
        template.format(hint=HINT_FREE, prompt=base),
        wrong,
    )


def peak(chi: np.ndarray, first: int) -> int:
    """Layer of the largest chi [L + 1] from layer `first` on."""
    return first + int(np.argmax(chi[first:]))


@dataclass(frozen=True)
class ChiSummary:
    """chi peaks against l_c over words."""

    n_words: int
    distance: np.ndarray
    """[n_words] |peak of the sense hints' mean chi - l_c| in layers"""
    null: np.ndarray
    """[n_draws] the median distance with each word's chi layers permuted"""
    interval: tuple[float, float] | None
    references: dict[str, float | None]
    """median distance of the hint-free and the wrong-sense chi peaks"""
    mean_chi: np.ndarray
    """[L + 1] mean over words of chi / max chi (the shape of the response)"""

    @property
    def value(self) -> float | None:
        return float(np.median(self.distance)) if len(self.distance) else None

    def to_dict(self) -> dict:
        summary = Null.from_draws("chi layers permuted", self.null, self.value, "lower")
        return {
            "n_words": self.n_words,
            "median_distance": self.value,
            "null_p": summary.p,
            "null_median": summary.p50,
            "interval": list(self.interval) if self.interval else None,
            "references": self.references,
            "mean_chi": self.mean_chi.tolist(),
        }


def chi_summary(
    sense_chi: list[np.ndarray],
    free_chi: list[np.ndarray],
    wrong_chi: list[np.ndarray | None],
    lc: np.ndarray,
    first: int,
    n_draws: int,
    n_bootstrap: int,
    rng: np.random.Generator,
) -> ChiSummary:
    """Pool chi over words. sense_chi: per word [n_hints, L + 1]; free_chi [L + 1]; wrong_chi [L + 1] or None;
    lc: [n_words] each word's l_c (NaN: no transition to compare with, the word is left out)."""
    keep = [w for w in range(len(sense_chi)) if np.isfinite(lc[w]) and len(sense_chi[w])]
    if not keep:
        return ChiSummary(
            0, np.zeros(0), np.full(n_draws, np.nan), None, {"hint_free": None, "wrong_sense": None}, np.zeros(0)
        )
    means = [sense_chi[w].mean(axis=0) for w in keep]
    distance = np.array([abs(peak(m, first) - lc[w]) for m, w in zip(means, keep)])
    null = np.empty((n_draws, len(keep)))
    for column, (m, w) in enumerate(zip(means, keep)):
        null[:, column] = np.abs(first + permuted_peaks(m[first:], n_draws, rng) - lc[w])
    null_median = np.median(null, axis=1)
    boot = np.median(distance[rng.integers(len(keep), size=(n_bootstrap, len(keep)))], axis=1)
    low, high = percentile_interval(boot)
    free = [abs(peak(free_chi[w], first) - lc[w]) for w in keep]
    wrong = [abs(peak(wrong_chi[w], first) - lc[w]) for w in keep if wrong_chi[w] is not None]
    shape = np.mean([m / m.max() if m.max() > 0 else m for m in means], axis=0)
    return ChiSummary(
        len(keep),
        distance,
        null_median,
        (float(low), float(high)),
        {"hint_free": float(np.median(free)), "wrong_sense": float(np.median(wrong)) if wrong else None},
        shape,
    )
