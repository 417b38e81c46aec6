"""Susceptibility, spec 001 exp. 4:  chi(l) = |sigma_hint(l) - sigma_base(l)|.

The external field h is one hint word put before the base prompt ("money. The bank"); chi is the
finite-difference response |d sigma / d h| with dh = one word. Near a critical layer the response of
an order parameter to a small field peaks; the spec compares the peak layer with the fitted l_c.

The peak is taken on the mean chi over a word's hints (`mean_chi`); each hint's own peak is kept too.
The peak is sought from `first_layer` on (`PhaseConfig.first_fit_layer`, 1 by default): in a model
without position embeddings in the stream (Gemma) chi(0) = 0 exactly, since the target's embedding
does not depend on its context, and in MiniLM chi(0) measures only the shift in position.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Susceptibility:
    """chi of one word's hints, and where it peaks."""

    hints: tuple[str, ...]
    chi: np.ndarray
    """[n_hints, n_layers + 1]"""
    first_layer: int = 0
    """Peaks are sought from this layer on."""

    @property
    def mean_chi(self) -> np.ndarray:
        return self.chi.mean(axis=0)

    @property
    def peak_layer(self) -> int:
        """Layer of the largest mean chi (the first one on a tie)."""
        return self.first_layer + int(np.argmax(self.mean_chi[self.first_layer :]))

    @property
    def hint_peaks(self) -> list[int]:
        return [self.first_layer + int(np.argmax(row[self.first_layer :])) for row in self.chi]


def susceptibility(
    sigma_base: np.ndarray, sigma_hints: np.ndarray, hints: tuple[str, ...], first_layer: int = 0
) -> Susceptibility:
    """sigma_base: [n_layers + 1]; sigma_hints: [n_hints, n_layers + 1]."""
    if len(hints) != len(sigma_hints):
        raise ValueError(f"{len(hints)} hints but {len(sigma_hints)} sigma curves")
    return Susceptibility(
        hints=tuple(hints),
        chi=np.abs(np.asarray(sigma_hints) - np.asarray(sigma_base)[None, :]),
        first_layer=first_layer,
    )


def peak_distance(peak_layer: int, l_c: float) -> float:
    """|peak - l_c| in layers (the spec's "χ のピーク位置と l_c のずれ")."""
    return abs(float(peak_layer) - float(l_c))
