"""semphys.phase: spec 001, semantic phase transitions across the layers of a language model.

    config            PhaseConfig (spec defaults), Thresholds, MODES, CORRECTIONS
    inputs/           the words of a run: Word, Prompt, Suite; the built-in bank, bat, crane; a prompts
                      file (YAML or JSON); WordNet sense pairs; build_suite
    activations       every residual vector a run needs, each distinct prompt forwarded once (cached)
    anisotropy        the baseline of unrelated nouns; raw / centred / standardised
    order             sense directions and the order parameter sigma(l)          (exp. 1)
    controls          random-direction and label-shuffle nulls                   (exp. 1)
    fits              second-order, tanh and step fits, AIC/AICc, R^2            (exp. 2)
    bootstrap         intervals over anchor sentences                            (exp. 2)
    exponents         beta statistics, l_c, l_c/L across models                  (exp. 2, 3)
    transition        half-rise l_c for every form, fit-free l_c, transition share (exp. 2)
    susceptibility    chi(l) from hint words                                     (exp. 4)
    diagram           growing contexts and the phase diagram                     (exp. 5)
    analysis          every experiment on one word: analyse_word
    curve_statistics  the verdict's per-prompt statistics, same on real and null curves
    nulls             null draws at the real sample size, the smooth-rise null, nested bootstrap
    summary           per-variant summaries of a model (what the claims are built from), sign check
    verdict           the criteria as evidence claims (decided by evidence.decide), headline
    potential         V(sigma, l) = -log P and the 1- vs 2-well BIC test        (future exp. A)
    qk/               the W_QK PCA and basis, the order direction's projection, attention (exp. 6, B, C)
    readout/          the held-out sense readout: items, centroids, bimodality, claims (exp. 1 at scale)

The commands (`semphys phase run`, `phase readout`, `phase qk-pca`), with their results documents,
reports and figures, are experiments: `semphys.experiments.phase`.

Imports `semphys.lm` and `semphys.data` (and the ground-floor helpers), nothing above them.
"""

from semphys.lm.cache import ActivationCache, Request
from semphys.phase.config import CORRECTIONS, MODES, PhaseConfig, Thresholds
from semphys.phase.fits import KINDS, Fit, Selection, fit_all, fit_curve, grid_fit
from semphys.phase.inputs.builtin import BUILTIN, builtin_word
from semphys.phase.inputs.prompt_file import load_prompts, parse_prompts
from semphys.phase.inputs.prompts import Prompt, Skipped, Suite, Word, check_word
from semphys.phase.inputs.sources import build_suite
from semphys.phase.inputs.wordnet_words import named_suite, wordnet_suite, wordnet_word
from semphys.phase.order import direction_alignment, order_parameter, sense_direction
from semphys.phase.qk.pca import qk_pca

__all__ = [
    "BUILTIN",
    "CORRECTIONS",
    "KINDS",
    "MODES",
    "ActivationCache",
    "Fit",
    "PhaseConfig",
    "Prompt",
    "Request",
    "Selection",
    "Skipped",
    "Suite",
    "Thresholds",
    "Word",
    "build_suite",
    "builtin_word",
    "check_word",
    "direction_alignment",
    "fit_all",
    "fit_curve",
    "grid_fit",
    "load_prompts",
    "named_suite",
    "order_parameter",
    "parse_prompts",
    "qk_pca",
    "sense_direction",
    "wordnet_suite",
    "wordnet_word",
]
