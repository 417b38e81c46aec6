"""One word on one model: every experiment of spec 001 that needs only that word's activations.

`analyse_word` takes the captured vectors and computes, for every (direction mode, correction)
variant: sigma of each prompt (exp. 1), the three fits (exp. 2), chi of each hint (exp. 4), the phase
diagram (exp. 5), the null bands (random directions, label shuffles), the smooth-rise null and the
verdict's per-prompt statistics (`curve_statistics`). The primary variant (`PhaseConfig.primary_variant`) is fitted with
polished least squares and bootstrap intervals over the anchors, and its null curves get the same
statistics as the real ones; the others get grid fits (`fits.grid_selections`).

Fits and statistics start at `PhaseConfig.first_fit_layer` (1: layer 0, the input embedding, is left
out; the reason is in that field's docstring). sigma is kept and reported at every layer.
"""

import zlib
from dataclasses import dataclass, field

import numpy as np

from semphys.lm.cache import Request
from semphys.phase.activations import hint_prompt, stack
from semphys.phase.anisotropy import Baseline, correct
from semphys.phase.config import CORRECTIONS, MODES, PhaseConfig, variant_name
from semphys.phase.diagram import PhaseDiagram, gradient_contexts
from semphys.phase.fits import (
    FitBounds,
    Selection,
    fit_all,
    grid_selections,
    selection_frequencies,
    with_intervals,
)
from semphys.phase.inputs.prompts import Word, visible_context
from semphys.phase.order import direction_alignment, order_parameter, sense_direction
from semphys.phase.susceptibility import Susceptibility, susceptibility
from semphys.phase.verdict.bootstrap import bootstrap_fits
from semphys.phase.verdict.controls import band, label_shuffle_sigma, random_direction_sigma
from semphys.phase.verdict.curve_statistics import CurveStatistics, curve_statistics
from semphys.phase.verdict.nulls import smooth_rise_curves

NULL_SOURCES: tuple[str, ...] = ("label_shuffle", "random_directions", "smooth_rise")
"""The controls whose curves get the verdict's statistics: two sense-free ones (`controls`) and the
transition-free smooth rise (`nulls.smooth_rise_curves`)."""


@dataclass
class NullStats:
    """The nulls of the primary variant: statistics of every prompt's null curves, and the sign check."""

    curves: dict[str, CurveStatistics] = field(default_factory=dict)
    """source (`NULL_SOURCES`) -> statistics [n_draws, n_prompts] of the fitted layers."""
    sign_hits: list[bool] = field(default_factory=list)
    """Per (label-shuffle draw, strong prompt): whether the sign at the last layer matched the declared sense."""


@dataclass
class WordAnalysis:
    """Everything measured for one word on one model."""

    word: Word
    n_layers: int
    causal: bool
    sigma: dict[str, np.ndarray]
    """variant -> [n_prompts, n_layers + 1]"""
    fits: dict[str, list[Selection]]
    """variant -> one `Selection` per prompt (primary: polished, with bootstrap intervals)."""
    selection_frequency: list[dict[str, float]]
    """Primary variant, per prompt: how often each form wins across bootstrap draws."""
    bands: dict[str, dict[str, dict[str, list[float]]]]
    """variant -> {"random_directions": band, "label_shuffle": band}"""
    alignment: dict[str, np.ndarray]
    """correction -> cos(e_A(l) - e_B(l), e_A(L) - e_B(L)) per layer"""
    chi: dict[str, Susceptibility | None]
    diagrams: dict[str, PhaseDiagram | None]
    statistics: dict[str, CurveStatistics]
    """variant -> the verdict's per-prompt statistics [n_prompts] (grid fits, as for the null)."""
    null: NullStats
    n_bootstrap: int
    blind: list[bool]
    """Per prompt: in a causal model, the target sees no more context than the hint base prompt's."""
    first_layer: int
    """First layer of the fits and statistics (`PhaseConfig.first_fit_layer`)."""

    @property
    def declared(self) -> list[int]:
        """Indices of prompts with a declared sense."""
        return [i for i, p in enumerate(self.word.prompts) if p.sense is not None]

    @property
    def judged(self) -> list[int]:
        """Declared-sense prompts that are not blind: the ones every statistic of the verdict uses."""
        return [i for i in self.declared if not self.blind[i]]

    @property
    def fit_layers(self) -> np.ndarray:
        return np.arange(self.first_layer, self.n_layers + 1, dtype=np.float64)

    def expected_sign(self, index: int) -> int:
        return 1 if self.word.prompts[index].sense == self.word.senses[0] else -1

    def critical_layer(self, variant: str) -> float | None:
        """The word's l_c: median half-rise layer (`transition`) of the selected grid fits over the
        judged prompts (all prompts if none is judged), as the verdict reads it."""
        values = self.statistics[variant].lc[self.judged or list(range(len(self.word.prompts)))]
        values = values[np.isfinite(values)]
        return float(np.median(values)) if len(values) else None


def _rng(seed: int, word: str, variant: str) -> np.random.Generator:
    """A generator per (seed, word, variant): results do not depend on which other words run."""
    return np.random.default_rng([seed, zlib.crc32(word.encode()), zlib.crc32(variant.encode())])


def blind_prompts(word: Word, causal: bool) -> list[bool]:
    """Per prompt: causal model and the same visible context as the hint base prompt ("The bat ...")."""
    if not causal:
        return [False] * len(word.prompts)
    base = visible_context(word.hint_base.text, word.word).strip().lower()
    return [
        p.label != word.hint_base.label and visible_context(p.text, word.word).strip().lower() == base
        for p in word.prompts
    ]


def analyse_word(
    word: Word,
    vectors: dict[Request, np.ndarray],
    baseline_vectors: np.ndarray,
    config: PhaseConfig,
    causal: bool,
) -> WordAnalysis:
    """All per-word experiments for every variant. baseline_vectors: [n, n_layers + 1, d_model] raw."""
    target = word.word
    anchors_raw = {s: stack(vectors, [Request(t, target) for t in word.anchors[s]]) for s in word.senses}
    prompt_requests = [Request(p.text, target) for p in word.prompts]
    hint_requests = [Request(hint_prompt(word, h, config.hint_template), target) for h in word.hints]
    columns = [(s, c) for s in word.senses if s in word.gradient for c in gradient_contexts(word.gradient[s], target)]
    gradient_requests = [Request(c.text, target) for _, c in columns]
    probes_raw = stack(vectors, prompt_requests + hint_requests + gradient_requests)
    n_prompts, n_hints = len(prompt_requests), len(hint_requests)
    n_layers = probes_raw.shape[1] - 1
    first = config.first_fit_layer
    layers = np.arange(first, n_layers + 1, dtype=np.float64)
    baseline = Baseline.from_vectors(baseline_vectors)
    bounds = FitBounds(beta=config.beta_bounds, kappa=config.kappa_bounds)
    base_index = word.prompts.index(word.hint_base)

    sigma, fits, bands, chi, diagrams, alignment, statistics = {}, {}, {}, {}, {}, {}, {}
    frequency: list[dict[str, float]] = []
    null = NullStats()
    declared = [i for i, p in enumerate(word.prompts) if p.sense is not None]
    expected = np.array([1 if word.prompts[i].sense == word.senses[0] else -1 for i in declared])
    strong = [k for k, i in enumerate(declared) if word.prompts[i].strength == "strong"]
    for correction in CORRECTIONS:
        anchors_a = correct(anchors_raw[word.senses[0]], correction, baseline)
        anchors_b = correct(anchors_raw[word.senses[1]], correction, baseline)
        probes = correct(probes_raw, correction, baseline)
        e_a, e_b = sense_direction(anchors_a), sense_direction(anchors_b)
        alignment[correction] = direction_alignment(e_a, e_b)
        for mode in MODES:
            variant = variant_name(mode, correction)
            rng = _rng(config.seed, target, variant)
            values = order_parameter(probes, e_a, e_b, mode)
            prompt_sigma = values[:n_prompts]
            sigma[variant] = prompt_sigma
            fitted = prompt_sigma[:, first:]
            statistics[variant] = curve_statistics(layers, fitted, bounds, config.selection, config.fits)
            hint_sigma = values[n_prompts : n_prompts + n_hints]
            chi[variant] = susceptibility(prompt_sigma[base_index], hint_sigma, word.hints, first) if n_hints else None
            diagrams[variant] = PhaseDiagram(values[n_prompts + n_hints :], columns) if columns else None
            random_sigma = random_direction_sigma(probes[:n_prompts], config.n_random_directions, rng)
            shuffle_sigma = label_shuffle_sigma(
                probes[:n_prompts], anchors_a, anchors_b, mode, config.n_label_shuffles, rng
            )
            bands[variant] = {
                "random_directions": band(random_sigma, config.ci_level),
                "label_shuffle": band(shuffle_sigma, config.ci_level),
            }
            if variant != config.primary_variant:
                fits[variant] = grid_selections(layers, fitted, bounds, config.selection, config.fits)
                continue
            selections = [fit_all(layers, s, bounds, config.fit_starts, config.selection, config.fits) for s in fitted]
            draws = bootstrap_fits(
                layers,
                probes[:n_prompts, first:],
                anchors_a[:, first:],
                anchors_b[:, first:],
                mode,
                config.n_bootstrap,
                rng,
                bounds,
            )
            fits[variant] = [with_intervals(s, g, config.ci_level) for s, g in zip(selections, draws.fits)]
            frequency = [selection_frequencies(g, config.selection, config.fits) if g else {} for g in draws.fits]
            smooth = smooth_rise_curves(layers, fitted, config.n_smooth_draws, rng)
            null.curves = {
                source: curve_statistics(layers, curves, bounds, config.selection, config.fits)
                for source, curves in (
                    ("label_shuffle", shuffle_sigma[..., first:]),
                    ("random_directions", random_sigma[..., first:]),
                    ("smooth_rise", smooth),
                )
            }
            if declared and len(shuffle_sigma):
                hits = np.sign(shuffle_sigma[:, declared, -1][:, strong]) == expected[strong]
                null.sign_hits = hits.ravel().tolist()
    return WordAnalysis(
        word=word,
        n_layers=n_layers,
        causal=causal,
        sigma=sigma,
        fits=fits,
        selection_frequency=frequency,
        bands=bands,
        alignment=alignment,
        chi=chi,
        diagrams=diagrams,
        statistics=statistics,
        null=null,
        n_bootstrap=config.n_bootstrap,
        blind=blind_prompts(word, causal),
        first_layer=first,
    )
