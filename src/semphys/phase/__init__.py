"""semphys.phase: spec 001, semantic phase transitions across the layers of a language model.

    config         PhaseConfig (spec defaults), Thresholds, MODES, CORRECTIONS
    prompts        Word, Prompt, Suite, check_word: the inputs;  builtin: bank, bat, crane
    prompt_file    load_prompts / parse_prompts: YAML or JSON, errors with line and key
    wordnet_words  wordnet_suite, named_suite: sense pairs from WordNet
    sources        build_suite: the words of a run from names, a prompts file or WordNet
    anisotropy     the baseline of unrelated nouns; raw / centred / standardised
    order          sense directions and the order parameter sigma(l)          (exp. 1)
    controls       random-direction and label-shuffle nulls                   (exp. 1)
    fits           second-order, tanh and step fits, AIC/AICc, R^2            (exp. 2)
    bootstrap      intervals over anchor sentences                            (exp. 2)
    exponents      beta statistics, l_c, l_c/L across models                  (exp. 2, 3)
    susceptibility chi(l) from hint words                                     (exp. 4)
    diagram        growing contexts and the phase diagram                      (exp. 5)
    qk_pca         PCA of W_QK = W_Q W_K^T over layers and heads               (exp. 6)
    qk_projection  share of e_A - e_B in the top W_QK directions, with nulls   (exp. 6)
    transition     half-rise l_c for every form, fit-free l_c, transition share (exp. 2)
    curve_statistics  the verdict's per-prompt statistics, same on real and null curves
    nulls          null draws at the real sample size, the smooth-rise null, nested bootstrap
    verdict        the criteria as evidence claims (decided by evidence.decide), headline, sign check
    run_options    `phase run`'s options checked before any model loads
    cache, activations  on-disk activation cache; each distinct prompt forwarded once
    analysis, run, results, plots  orchestration, results.json, figures
    readout_items  WordNet test items by lexicographer file, causal-blind items  (readout)
    readout        held-out nearest-centroid readout, leave-one-out, nulls      (readout)
    potential      V(sigma, l) = -log P and the 1- vs 2-well BIC test          (future exp. A)
    readout_run, readout_results, readout_report, readout_command  `phase readout`

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
from semphys.phase.results import SCHEMA
from semphys.phase.run import PhaseRun, run_model, run_phase

__all__ = [
    "BUILTIN",
    "CORRECTIONS",
    "KINDS",
    "MODES",
    "SCHEMA",
    "ActivationCache",
    "Fit",
    "PhaseConfig",
    "PhaseRun",
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
    "run_model",
    "run_phase",
    "sense_direction",
    "wordnet_suite",
    "wordnet_word",
]
