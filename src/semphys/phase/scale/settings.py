"""`ScaleSettings`: every setting of the WordNet-scale design of spec 001, with its reason."""

from dataclasses import asdict, dataclass

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_finite, require_non_negative, require_range
from semphys.phase.config import BETA_BOUNDS, check_hint_template
from semphys.phase.fits import FitBounds


@dataclass(frozen=True)
class ScaleSettings:
    """The WordNet-scale design's draws and limits (spec 001 exp. 1-5 over every usable word)."""

    first_fit_layer: int = 1
    """Fits and statistics start here (`PhaseConfig.first_fit_layer`: layer 0 is the bare embedding)."""
    n_own_null: int = 199
    """Draws of each of a word's own nulls (random directions; other words' contrasts, at most this many
    other words): per-word p floor 1/200, so a word can beat alpha 0.05."""
    alpha_word: float = 0.05
    """Per-word level of `beats_own_nulls`."""
    n_fit_null: int = 20
    """Null word curves per word that are fitted (other words' contrasts), pooled into model-level draws."""
    n_null_draws: int = 2000
    """Model-level null draws of the pooled statistics (each takes one null curve per word)."""
    n_beta_null: int = 200
    """Shared-beta parametric-bootstrap draws of the beta spread (universality null)."""
    n_bootstrap: int = 1000
    """Word resamples of every interval (words, never items)."""
    n_class_permutations: int = 999
    min_class_words: int = 5
    """A lexicographer class enters the per-class test with at least this many words."""
    transition: float = 0.5
    """A word curve is abrupt when the rise within its half-rise layer +- 1 is more than this share of its
    range (`Thresholds.transition`, the phase run's semphys threshold)."""
    max_context: int = 12
    """Growing contexts (exp. 5) stop at this many words of context."""
    n_hints: int = 2
    """Content words of each class's first gloss used as hints (exp. 4)."""
    hint_template: str = "{hint}. {prompt}"
    """`PhaseConfig.hint_template`."""
    beta_bounds: tuple[float, float] = BETA_BOUNDS
    kappa_bounds: tuple[float, float] = (0.05, 20.0)
    seed: int = 0
    capture_chunk: int = 256
    """Contexts per forward chunk of the projected capture (and per cached file)."""

    def validate(self) -> None:
        """`UserError` naming the field for a value the design cannot run with (draws and limits below 1, a share
        outside [0, 1], a hint template without its fields, empty bounds)."""
        counts = ("n_own_null", "n_fit_null", "n_null_draws", "n_beta_null", "n_bootstrap", "n_class_permutations")
        for name in counts + ("max_context", "n_hints", "capture_chunk"):
            require_at_least(name, getattr(self, name), 1)
        require_at_least("min_class_words", self.min_class_words, 2)
        for name in ("first_fit_layer", "seed"):
            require_non_negative(name, getattr(self, name))
        for name in ("alpha_word", "transition"):
            require_range(name, getattr(self, name), 0, 1)
        check_hint_template(self.hint_template)
        for name, (low, high) in (("beta_bounds", self.beta_bounds), ("kappa_bounds", self.kappa_bounds)):
            if not require_finite(name, low) < require_finite(name, high):
                raise UserError(f"{name} must be (low, high) with low < high, got ({low}, {high})")

    @property
    def bounds(self) -> FitBounds:
        return FitBounds(beta=self.beta_bounds, kappa=self.kappa_bounds)

    def to_dict(self) -> dict:
        fields = asdict(self)
        fields.pop("capture_chunk")
        return fields
