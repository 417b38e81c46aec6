"""`PhaseConfig`: every setting of the phase-transition suite, with spec 001's defaults.

Each field names the part of spec 001 (`seeds/001`, "意味の相転移実験") it comes from, or says why
it departs from the spec.
"""

import string
from dataclasses import asdict, dataclass, field

from semphys.core.errors import UserError

MODES: tuple[str, ...] = ("final", "per-layer")
"""Direction modes: `final` (spec exp. 1: final-layer directions used at every layer) and
`per-layer` (directions taken at the same layer as the vector they are compared with)."""

FIT_KINDS: tuple[str, ...] = ("second_order", "tanh", "step")
"""Spec exp. 2's forms (`semphys.phase.fits.KINDS`): second-order power law, tanh crossover, first-order step."""

CORRECTIONS: tuple[str, ...] = ("raw", "centred", "standardised")
"""Anisotropy corrections applied to every vector before cosines (see `semphys.phase.anisotropy`)."""

BETA_BOUNDS: tuple[float, float] = (0.1, 2.0)
"""Spec exp. 2 `curve_fit` bounds on the critical exponent beta (the one copy: fits, exponents and
the verdict take it from here or from `PhaseConfig.beta_bounds`)."""


def check_hint_template(template: str) -> None:
    """`UserError` unless `template` is text with the fields `{hint}` and `{prompt}` (each at least once) and no
    other: no positional or attribute field, no format spec (`{hint:>9}`), no conversion (`{hint!r}`), no
    unbalanced brace. Parsed with `string.Formatter`, as `str.format` will read it."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as err:
        raise UserError(
            f"hint_template {template!r} is not a format string ({err}); use {{hint}} and {{prompt}}, "
            "and {{ or }} for a literal brace"
        ) from None
    for name, spec, conversion in fields:
        if name not in ("hint", "prompt"):
            raise UserError(
                f"hint_template {template!r} has the field {{{name}}}; only {{hint}} and {{prompt}} are allowed"
            )
        if spec or conversion:
            raise UserError(
                f"hint_template {template!r}: the field {{{name}}} takes no format spec or conversion; write {{{name}}}"
            )
    if {"hint", "prompt"} - {name for name, _, _ in fields}:
        raise UserError(f"hint_template {template!r} must contain {{hint}} and {{prompt}}")


@dataclass(frozen=True)
class Thresholds:
    """Spec 001, "解析と判定基準" (success criteria)."""

    jump: float = 0.1
    """sigma(l) jump: largest change between consecutive layers must exceed this."""
    r2: float = 0.9
    """R^2 of the selected fit must exceed this."""
    beta_cv: float = 0.3
    """std/mean of the critical exponent beta across prompts must stay below this."""
    chi_distance: float = 2.0
    """|chi peak layer - l_c| must stay below this (layers)."""
    lc_spread: float = 0.1
    """Spread (max - min) of l_c/L across models must stay below this."""
    transition: float = 0.5
    """Not in spec 001 (semphys): the change of sigma from l_c - 1 to l_c + 1 must exceed this share of
    the curve's whole excursion, i.e. at least half the rise happens within two layers of l_c (a
    straight ramp over L layers gives 2 / L). Whether a claim beats its nulls is `evidence.decide`'s
    rule (Holm over the document's findings, alpha 0.05), not a threshold of this table."""


@dataclass(frozen=True)
class PhaseConfig:
    """Settings of `run_phase`. Defaults follow spec 001 where it gives one."""

    primary_mode: str = "per-layer"
    """Direction mode whose sigma is fitted with bootstrap CIs and judged by the verdict. Spec exp. 1
    uses `final`; `per-layer` is the default because final-layer directions are nearly orthogonal to
    the sense contrast of early layers (`direction_alignment` in results.json measures it)."""
    primary_correction: str = "standardised"
    """Anisotropy correction of the primary sigma (exp. 1 "corrected"): z-scores against the baseline
    of unrelated tokens at the same layer. `centred` alone leaves Gemma's massive-activation
    dimensions in charge of the cosine."""
    pooling: str = "last"
    """Sub-token of a multi-token target (`semphys.lm.capture_residuals`)."""
    final_norm: bool = False
    """Spec exp. 1 reads `resid_post` of the last block: the raw stream, without the final norm."""
    hint_template: str = "{hint}. {prompt}"
    """Spec exp. 4: the perturbed prompt is `f"{hint}. {base_prompt}"`."""
    beta_bounds: tuple[float, float] = BETA_BOUNDS
    """Spec exp. 2 `curve_fit` bounds on the critical exponent beta."""
    kappa_bounds: tuple[float, float] = (0.05, 20.0)
    """Steepness bounds of the tanh crossover (per layer); wide enough for linear to step-like."""
    selection: str = "aicc"
    """Fit selection: `aicc` (AIC with the small-sample correction of Hurvich & Tsai 1989; equal to
    AIC as n grows, and MiniLM has only 7 points) or `aic`."""
    fits: tuple[str, ...] = FIT_KINDS
    """Spec exp. 2: the forms the selection chooses among (all three are always fitted, since beta
    comes from the second-order fit). A sweep may vary it, e.g. second_order alone."""
    fit_starts: int = 3
    """Starts polished by least squares per fit (the best grid points in separate l_c ranges)."""
    n_bootstrap: int = 200
    """Spec exp. 2 CIs: resamples of the anchor sentences (with replacement, per sense)."""
    ci_level: float = 0.95
    n_random_directions: int = 200
    """Null control, per word: pairs of isotropic random unit directions replacing e_A, e_B."""
    n_label_shuffles: int = 200
    """Null control, per word: random re-partitions of the pooled anchors into two senses (at most the
    number of distinct balanced splits there are, all of them when fewer: 100 with five anchors per
    sense, a split and its mirror giving the same curve up to sign)."""
    n_smooth_draws: int = 200
    """Null control, per word: smooth-rise curves per prompt (its best linear ramp or wide tanh plus
    its resampled residuals, `nulls.smooth_rise_curves`)."""
    n_null_draws: int = 20000
    """Draws of every claim's null: each draw recomputes the claim on as many null values as the real
    one has (prompts, betas, words, models), one control draw per word. 20000 puts the floor of one p
    at 1/20001, so Holm over the 17 findings of two models can still reach an adjusted 0.001."""
    first_fit_layer: int = 1
    """First layer of the fits and of every statistic of the verdict. Not the spec's (it fits all
    layers): layer 0 is the input embedding, before any block has mixed in context. In Gemma-3 (no
    position embedding in the stream) it is the same vector in every sentence, so with per-layer
    directions sigma(0) = 0 exactly for every prompt and every null: a flat "undecided phase" at
    layer 0 that the fits would read as the start of a transition, built in rather than measured. In
    MiniLM layer 0 differs between sentences only by position and token type. Neither carries the
    context the order parameter is about."""
    pca_components: tuple[int, ...] = (5, 10, 20, 50)
    """Spec exp. 6: cumulative explained variance reported at these component counts."""
    qk_pca: bool = True
    """Run exp. 6 (W_QK PCA) for each model."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    seed: int = 0
    """Seed of every random draw (bootstrap, controls, random-weight PCA null)."""
    capture_chunk: int = 64
    """Prompts per capture call; the cache is written after each, so an interrupted run keeps them."""

    def __post_init__(self) -> None:
        if self.primary_mode not in MODES:
            raise UserError(f"unknown direction mode {self.primary_mode!r}: choose one of {', '.join(MODES)}")
        if self.primary_correction not in CORRECTIONS:
            raise UserError(f"unknown correction {self.primary_correction!r}: choose one of {', '.join(CORRECTIONS)}")
        if self.selection not in ("aic", "aicc"):
            raise UserError(f"unknown fit selection {self.selection!r}: choose aic or aicc")
        for name in (
            "n_bootstrap",
            "n_random_directions",
            "n_label_shuffles",
            "n_smooth_draws",
            "n_null_draws",
            "first_fit_layer",
        ):
            if getattr(self, name) < 0:
                raise UserError(f"{name} must be at least 0, got {getattr(self, name)}")
        unknown = [k for k in self.fits if k not in FIT_KINDS]
        if not self.fits or unknown or len(set(self.fits)) != len(self.fits):
            raise UserError(f"fits must be distinct fit types from {', '.join(FIT_KINDS)}, got {list(self.fits)}")
        if self.fit_starts < 1 or self.capture_chunk < 1:
            raise UserError("fit_starts and capture_chunk must be at least 1")
        if not 0 < self.ci_level < 1:
            raise UserError(f"ci_level must lie between 0 and 1, got {self.ci_level}")
        check_hint_template(self.hint_template)

    @property
    def primary_variant(self) -> str:
        """`<mode>/<correction>`, the key of the primary sigma in results.json."""
        return variant_name(self.primary_mode, self.primary_correction)

    def to_dict(self) -> dict:
        return asdict(self)


def variant_name(mode: str, correction: str) -> str:
    """`per-layer/standardised`: how results.json names one (mode, correction) sigma."""
    return f"{mode}/{correction}"


def variants() -> list[tuple[str, str]]:
    """Every (mode, correction) pair, in report order."""
    return [(mode, correction) for mode in MODES for correction in CORRECTIONS]
