"""One word's order parameter sigma(l) on one model, for notebooks (spec 001 §実験1 and §実験2).

    curves = word_order(lm, "bank")            # sigma(l) of every prompt of the word
    fit = curves.fit()                         # the three fits of the strongest declared prompt
    fit.best, fit.chosen.params; fit.plot()

The same steps as `semphys phase run` takes for one word (the anchors' sense directions, the
anisotropy correction against the baseline of unrelated nouns, the order parameter, the three fits
chosen by AICc, fitted from `PhaseConfig.first_fit_layer`), without the nulls, intervals and the
evidence rule that a verdict needs: for a verdict, run the `phase run` experiment.
"""

from dataclasses import dataclass

import numpy as np

from semphys.core.validate import require_choice
from semphys.lm import LM
from semphys.lm.cache import Request
from semphys.phase.activations import capture_all, stack, word_requests
from semphys.phase.anisotropy import Baseline, baseline_for, correct
from semphys.phase.config import CORRECTIONS, MODES, PhaseConfig
from semphys.phase.fits import FitBounds, Selection, curve, fit_all
from semphys.phase.inputs.builtin import builtin_word
from semphys.phase.inputs.prompts import Word
from semphys.phase.order import order_parameter, sense_direction


@dataclass(frozen=True)
class CurveFit:
    """One curve sigma(l) and its three fits (spec 001 §実験2), with the information criterion's choice."""

    label: str
    layers: np.ndarray
    """The fitted layer indices (from `PhaseConfig.first_fit_layer`)."""
    sigma: np.ndarray
    """sigma at those layers."""
    selection: Selection

    @property
    def best(self) -> str:
        """The form the information criterion picks: second_order (Landau), tanh or step."""
        return self.selection.best

    @property
    def chosen(self):
        """The chosen `Fit` (params, R^2, AIC, AICc)."""
        return self.selection.chosen

    def plot(self, ax=None):
        """sigma(l) as points and each fitted form as a line; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(6, 3.5))[1]
        ax.plot(self.layers, self.sigma, "ko", label=self.label)
        grid = np.linspace(self.layers[0], self.layers[-1], 200)
        for kind, fit in self.selection.fits.items():
            style = "-" if kind == self.best else "--"
            ax.plot(grid, curve(kind, grid, fit.params), style, label=f"{kind} (AICc {fit.aicc:.1f})")
        ax.set(xlabel="layer l", ylabel="sigma(l)")
        ax.legend(fontsize=7)
        return ax


@dataclass(frozen=True)
class OrderCurves:
    """sigma(l) of every prompt of one word on one model, at layers 0..L (0: the input embedding)."""

    word: Word
    model: str
    correction: str
    mode: str
    sigma: np.ndarray
    """[n_prompts, L + 1]"""
    first_fit_layer: int

    @property
    def layers(self) -> np.ndarray:
        """0..L."""
        return np.arange(self.sigma.shape[1])

    @property
    def labels(self) -> list[str]:
        """The prompts' labels, in the order of `sigma`'s rows."""
        return [p.label for p in self.word.prompts]

    def strongest(self) -> int:
        """The declared prompt with the largest |sigma| at the last layer (the neutral one if none is declared)."""
        declared = [i for i, p in enumerate(self.word.prompts) if p.sense is not None] or list(range(len(self.labels)))
        return max(declared, key=lambda i: abs(self.sigma[i, -1]))

    def fit(self, prompt: int | str | None = None, config: PhaseConfig = PhaseConfig()) -> CurveFit:
        """The three fits of one prompt's curve (index or label; default `strongest`)."""
        index = self.strongest() if prompt is None else prompt if isinstance(prompt, int) else self.labels.index(prompt)
        first = self.first_fit_layer
        layers = self.layers[first:].astype(np.float64)
        bounds = FitBounds(beta=config.beta_bounds, kappa=config.kappa_bounds)
        selection = fit_all(layers, self.sigma[index, first:], bounds, config.fit_starts, config.selection, config.fits)
        return CurveFit(self.labels[index], layers, self.sigma[index, first:], selection)

    def plot(self, ax=None):
        """Every prompt's sigma(l); returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(6, 3.5))[1]
        for label, prompt, values in zip(self.labels, self.word.prompts, self.sigma):
            ax.plot(self.layers, values, marker="o", label=f"{label} ({prompt.sense or 'ambiguous'})")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set(xlabel="layer l", ylabel="sigma(l)", title=f"{self.word.word}, {self.model} ({self.correction})")
        ax.legend(fontsize=7)
        return ax


def word_order(
    lm: LM,
    word: str | Word,
    correction: str = "standardised",
    mode: str = "per-layer",
    config: PhaseConfig = PhaseConfig(),
) -> OrderCurves:
    """sigma(l) of every prompt of `word` (a built-in word's name, or a `Word`) on `lm`, without a cache."""
    require_choice("correction", correction, CORRECTIONS)
    require_choice("mode", mode, MODES)
    if isinstance(word, str):
        word = builtin_word(word)
    baseline_requests = [Request(p, t) for p, t in baseline_for(word.word)]
    vectors, _ = capture_all(
        lm,
        [*word_requests(word, config.hint_template), *baseline_requests],
        None,
        config.pooling,
        config.final_norm,
        config.capture_chunk,
    )
    baseline = Baseline.from_vectors(stack(vectors, baseline_requests))
    anchors = [
        correct(stack(vectors, [Request(t, word.word) for t in word.anchors[s]]), correction, baseline)
        for s in word.senses
    ]
    prompts = correct(stack(vectors, [Request(p.text, word.word) for p in word.prompts]), correction, baseline)
    sigma = order_parameter(prompts, sense_direction(anchors[0]), sense_direction(anchors[1]), mode)
    return OrderCurves(word, lm.facts.spec, correction, mode, sigma, config.first_fit_layer)
