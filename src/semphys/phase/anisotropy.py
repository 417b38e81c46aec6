"""The anisotropy correction: vectors are compared after centring (and scaling) against a baseline.

Residual-stream vectors are anisotropic: any two of them have a large positive cosine, whatever
their words (Ethayarajh 2019, "How contextual are contextualized word representations?"). In
Gemma-3 a few "massive activation" dimensions (Sun et al. 2024) carry most of the norm in the middle
layers, so raw cosines between residual vectors measure those dimensions. The baseline here is the
target vector of unrelated words in ordinary sentences (`BASELINE`), captured at the same layers as
everything else; it must not contain the word under study (`Baseline.excluding`).

Corrections (`CORRECTIONS` in `semphys.phase.config`), per layer l, of a vector x(l):

    raw           x(l)
    centred       x(l) - mu(l)                     (mu: baseline mean at layer l; the issue's correction)
    standardised  (x(l) - mu(l)) / s(l)            (s: baseline std per dimension at layer l)

Centring removes the common direction; standardising also stops a dimension whose values are
huge but uninformative (Gemma's massive ones; e.g. one coordinate that reads about 1000 for finance
anchors and 1500 for river anchors at layer 3) from deciding every cosine alone.
"""

from dataclasses import dataclass

import numpy as np

BASELINE: tuple[tuple[str, str], ...] = (
    ("She poured hot tea from the kettle", "kettle"),
    ("A violin played softly in the next room", "violin"),
    ("The committee postponed its decision until spring", "committee"),
    ("Fresh bread was cooling on the kitchen table", "bread"),
    ("Her grandmother knitted a warm scarf", "scarf"),
    ("The train arrived late at the station", "train"),
    ("He planted tomatoes along the fence", "tomatoes"),
    ("Thunder rolled across the valley at night", "valley"),
    ("The old lamp flickered in the hallway", "lamp"),
    ("My neighbour repaired the broken bicycle", "bicycle"),
    ("They painted the kitchen a pale yellow", "yellow"),
    ("The professor graded every essay carefully", "essay"),
    ("A candle burned on the windowsill", "candle"),
    ("The children built a snowman in the garden", "snowman"),
    ("We listened to the radio during dinner", "radio"),
    ("The doctor wrote a prescription for the cough", "prescription"),
    ("On the shelf stood a dusty encyclopedia", "encyclopedia"),
    ("The pilot announced a short delay", "pilot"),
    ("Grandfather wound the antique clock", "clock"),
    ("Her favourite dessert is lemon pie", "pie"),
    ("The farmer fixed the tractor before harvest", "tractor"),
    ("Rain dripped from the edge of the umbrella", "umbrella"),
    ("The museum displayed a marble statue", "statue"),
    ("He forgot his password again", "password"),
    ("The baby finally fell asleep in the cradle", "cradle"),
    ("Orange leaves covered the sidewalk in autumn", "sidewalk"),
    ("The orchestra tuned up before the concert", "orchestra"),
    ("She wrapped the present in silver paper", "paper"),
    ("A curious cat watched from the doorway", "doorway"),
    ("The recipe calls for two cups of flour", "flour"),
    ("Our teacher brought a globe to class", "globe"),
    ("The soup needed a pinch of salt", "salt"),
)
"""Unrelated nouns in real sentences: (prompt, target). 32 entries, targets at varied positions."""


@dataclass(frozen=True)
class Baseline:
    """Per-layer statistics of the baseline vectors."""

    mean: np.ndarray
    """[n_layers + 1, d_model]"""
    std: np.ndarray
    """[n_layers + 1, d_model], floored (see `from_vectors`)."""
    n: int
    """Baseline vectors the statistics come from."""

    @classmethod
    def from_vectors(cls, vectors: np.ndarray, floor: float = 1e-3) -> "Baseline":
        """vectors: [n, n_layers + 1, d_model]. The std is floored at `floor` x its layer median, so a
        dimension that barely varies in the baseline cannot blow up (1 / ~0)."""
        vectors = np.asarray(vectors, dtype=np.float64)
        if vectors.shape[0] < 2:
            raise ValueError("a baseline needs at least two vectors")
        mean = vectors.mean(axis=0)
        std = vectors.std(axis=0, ddof=1)
        std = np.maximum(std, floor * np.median(std, axis=-1, keepdims=True) + 1e-12)
        return cls(mean=mean, std=std, n=vectors.shape[0])


def baseline_for(word: str) -> list[tuple[str, str]]:
    """The baseline prompts minus any whose target is `word` (case-insensitive)."""
    return [(prompt, target) for prompt, target in BASELINE if target.lower() != word.lower()]


def correct(vectors: np.ndarray, correction: str, baseline: Baseline) -> np.ndarray:
    """Apply one correction. vectors: [..., n_layers + 1, d_model], layers aligned with the baseline."""
    if correction == "raw":
        return np.asarray(vectors, dtype=np.float64)
    centred = vectors - baseline.mean
    if correction == "centred":
        return centred
    if correction == "standardised":
        return centred / baseline.std
    raise ValueError(f"unknown correction {correction!r}")
