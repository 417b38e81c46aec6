"""The held-out sense readout on every model, and the potential (spec 001 §実験1, §発展実験 A), in memory.

Per model: load it (`semphys.lm`), list every distinct sentence (the anisotropy baseline, the gloss
prompts, the test items), capture the missing ones once through the activation cache
(`activations.capture_all`: cached per entry, so a killed run keeps every finished chunk and the
next run forwards only the rest), then per word, correction and direction mode, read out every item
under both designs (`readout`), K-way and A-vs-B (the sign of spec 001's sigma). Causal-blind
items of a causal model are summarised apart (`blind`); the main figures never include them.

With `--layers` only the chosen layers are captured (the forward pass stops after the deepest, and
the activation cache keeps those entries apart from all-layer ones, `semphys.lm.cache`): every
array's layer axis is the chosen layers, the `final` direction mode takes the last chosen layer,
landmarks (first above null, half-rise, peak) are layer indices, and l_c/L divides by the model's L.
"""

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from semphys.core.errors import UserError
from semphys.evidence import maxt_adjusted, ratio_bootstrap_interval
from semphys.lm import LM, capture_residuals, load_lm
from semphys.lm.cache import ActivationCache, Request
from semphys.phase.activations import CaptureStats, capture_all, check_readable, stack
from semphys.phase.anisotropy import BASELINE, Baseline, baseline_for, correct
from semphys.phase.config import CORRECTIONS, MODES, variant_name
from semphys.phase.inputs.prompts import Skipped
from semphys.phase.potential import potential
from semphys.phase.readout.bimodality import word_bimodality
from semphys.phase.readout.centroid import (
    Counts,
    LayerSummary,
    NullDraws,
    first_above,
    gloss_counts,
    gloss_scores,
    gram,
    loo_counts,
    loo_scores,
    permutations,
    random_direction_scores,
    read_out,
    summarise,
)
from semphys.phase.readout.items import ReadoutItems, ReadoutWord, cached_wordnet_items, causal_blind
from semphys.phase.readout.prompts import prompts_items

if TYPE_CHECKING:
    from semphys.experiments.phase.readout import ReadoutConfig

Log = Callable[[str], None]
DESIGNS: tuple[str, ...] = ("gloss", "loo")
METRICS: tuple[str, ...] = ("kway", "sign")
"""`kway`: nearest centroid over all the design's classes (chance 1/K); `sign`: A vs B, sign(sigma)."""
SUBSETS: tuple[str, ...] = ("sighted", "blind")


@dataclass
class ItemRecord:
    """One test item of one model, for the parquet file."""

    word: str
    index: int
    sense: str
    sentence: str
    blind: bool
    values: dict[str, np.ndarray]
    """`<design>:<variant>:<metric>_correct` ([n_read] bool) and `<design>:<variant>:sigma` ([n_read]),
    over the layers read (`ModelReadout.layers`)."""


@dataclass
class Potential:
    """V(sigma, l) and the bimodality test on one model (loo design, A vs B, primary variant)."""

    bins: np.ndarray
    """[n_bins + 1] edges"""
    v: np.ndarray
    """[n_read, n_bins] over the layers read"""
    bimodal_share: np.ndarray
    """[n_read]"""
    null: np.ndarray
    """[n_bimodal_null, n_read] the share under shuffled labels, each draw joint over words and layers"""
    n_words_tested: int
    ci_low: np.ndarray
    ci_high: np.ndarray
    """[n_read] 95% bootstrap of the share over the tested words"""
    maxt_p: np.ndarray
    """[n_read] each layer's max-over-layers p against the null"""
    first_above_null: int | None
    """Position (not layer index) of the first layer with maxt_p <= 0.05 and ci_low above the null median"""
    claim_position: int
    """The position the bimodality claim speaks of: `first_above_null`, else the layer of smallest p"""


@dataclass
class ModelReadout:
    """Everything measured on one model."""

    spec: str
    n_layers: int
    """The model's L (blocks), whether or not every layer is read."""
    layers: tuple[int, ...]
    """The layer indices read: 0..L, or the `--layers` subset; the layer axis of every array."""
    causal: bool
    capture: CaptureStats
    skipped: list[Skipped]
    n_words: int
    summaries: dict[tuple[str, str, str, str], LayerSummary]
    """(design, variant, metric, subset) -> summary; subsets with no item are absent."""
    items: list[ItemRecord]
    potential: Potential | None
    seconds: float


def word_requests(word: ReadoutWord) -> list[Request]:
    """The gloss prompts and test items of a word, as capture requests."""
    texts = [g for cls in word.classes for g in cls.glosses] + [s for _, s in word.items()]
    return [Request(text, word.lemma) for text in texts]


def readable_words(
    lm: LM, words: tuple[ReadoutWord, ...], cache: ActivationCache | None = None
) -> tuple[list[ReadoutWord], list[Skipped]]:
    """Words whose every prompt this model can read (target found, within its context).

    A prompt this model's cache holds was captured by this model, so it is readable: only the others
    are tokenized (a cached `--all` run would otherwise tokenize ~9,000 prompts again per model).
    """
    usable, skipped = [], []
    for word in words:
        try:
            check_readable(lm, [r for r in word_requests(word) if cache is None or not cache.holds(r)])
        except UserError as err:
            skipped.append(Skipped(word.key, f"{lm.facts.spec}: {err}"))
            continue
        usable.append(word)
    return usable, skipped


def _design_tasks(word: ReadoutWord, labels: np.ndarray) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(design, metric) -> (item mask [n], class indices used) for one word; absent when not possible."""
    all_classes = np.arange(len(word.classes))
    tasks = {("gloss", "kway"): all_classes, ("gloss", "sign"): all_classes[:2]}
    loo = np.array(word.loo_classes())
    if len(loo) >= 2:
        tasks[("loo", "kway")] = loo
        tasks[("loo", "sign")] = loo[:2]
    return {key: (np.isin(labels, classes), classes) for key, classes in tasks.items()}


def analyse_word(
    word: ReadoutWord,
    vectors: dict[Request, np.ndarray],
    baseline: Baseline,
    config: "ReadoutConfig",
    rng: np.random.Generator,
) -> dict[tuple[str, str, str], tuple[Counts, np.ndarray]]:
    """(design, variant, metric) -> (Counts over the task's items, their indices into `word.items()`)."""
    items = word.items()
    labels = np.array([k for k, _ in items])
    raw = stack(vectors, [Request(s, word.lemma) for _, s in items])
    gloss_raw = [stack(vectors, [Request(g, word.lemma) for g in cls.glosses]) for cls in word.classes]
    tasks = _design_tasks(word, labels)
    relabelled = {key: np.searchsorted(classes, labels[mask]) for key, (mask, classes) in tasks.items()}
    shuffles = {key: permutations(relabel, config.n_null, rng) for key, relabel in relabelled.items()}
    loo_mask = tasks[("loo", "kway")][0] if ("loo", "kway") in tasks else None
    out = {}
    for correction in CORRECTIONS:
        x = correct(raw, correction, baseline)
        gloss = np.stack([correct(g, correction, baseline).mean(axis=0) for g in gloss_raw])
        random = random_direction_scores(x, len(word.classes), config.n_null, rng)
        # One random read-out serves both modes: a random direction carries no layer, and the null is
        # read per layer (its marginal at layer l does not depend on whether r spans layers).
        nulls = {
            key: NullDraws(shuffles[key], read_out(random[:, mask][..., : len(classes)], relabelled[key][None]))
            for key, (mask, classes) in tasks.items()
        }
        for mode in MODES:
            # Cosines and Gram matrices once per mode on the whole word; each task takes its rows/classes.
            cosines = gloss_scores(x, gloss, mode)
            grams = gram(x[loo_mask], mode) if loo_mask is not None else None
            for (design, metric), (mask, classes) in tasks.items():
                key, relabel = (design, metric), relabelled[(design, metric)]
                if design == "gloss":
                    counts = gloss_counts(cosines[mask][..., classes], relabel, nulls[key])
                else:
                    rows = mask[loo_mask]
                    g, xx = (m[:, rows][:, :, rows] for m in grams)
                    counts = loo_counts(g, xx, relabel, len(classes), nulls[key])
                out[(design, variant_name(mode, correction), metric)] = (counts, np.flatnonzero(mask))
    return out


def _bimodality_inputs(
    word: ReadoutWord,
    vectors: dict[Request, np.ndarray],
    baseline: Baseline,
    blind: np.ndarray,
    config: "ReadoutConfig",
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray] | None:
    """sigma [n, L + 1] of the sighted A/B items (loo, primary variant) and sigma under each label shuffle
    [n_bimodal_null, n, L + 1]."""
    loo = word.loo_classes()
    if len(loo) < 2:
        return None
    items = word.items()
    keep = [i for i, (k, _) in enumerate(items) if k in loo[:2] and not blind[i]]
    labels = np.array([0 if items[i][0] == loo[0] else 1 for i in keep])
    if min(np.sum(labels == 0), np.sum(labels == 1)) < 2:
        return None
    x = correct(stack(vectors, [Request(items[i][1], word.lemma) for i in keep]), config.primary_correction, baseline)
    g, xx = gram(x, config.primary_mode)
    scores = loo_scores(g, xx, labels, 2)
    shuffled = loo_scores(g, xx, permutations(labels, config.n_bimodal_null, rng), 2)
    return scores[..., 0] - scores[..., 1], shuffled[..., 0] - shuffled[..., 1]


def measure_potential(
    sigmas: list[np.ndarray], nulls: list[np.ndarray], config: "ReadoutConfig", rng: np.random.Generator
) -> Potential | None:
    """V(sigma, l) of the pooled sigma and the bimodal share with its shuffled-label null, its word-bootstrap
    interval and its max-over-layers p. nulls: per word [n_bimodal_null, n_w, P]."""
    if not sigmas:
        return None
    pooled = np.concatenate(sigmas)
    edge = max(float(np.abs(pooled).max()), 1e-6)
    bins = np.linspace(-edge, edge, config.potential_bins + 1)
    n_layers = pooled.shape[1]
    tested = [w for w, s in enumerate(sigmas) if len(s) >= config.bimodality.min_items]
    if tested:
        sets = [np.concatenate([sigmas[w][None], nulls[w]]) for w in tested]
        bimodal = word_bimodality(sets, config.bimodality).astype(np.float64)  # [1 + B, W, P]
        share, null = bimodal[0].mean(axis=0), bimodal[1:].mean(axis=1)
        low, high = ratio_bootstrap_interval(bimodal[0], np.ones(len(tested)), config.n_bootstrap, rng)
        maxt_p = maxt_adjusted(share, null, "higher")
    else:
        share, null = np.full(n_layers, np.nan), np.full((config.n_bimodal_null, n_layers), np.nan)
        low, high, maxt_p = share.copy(), share.copy(), np.ones(n_layers)
    median = np.median(null, axis=0)
    found = first_above(share, low, [{"maxt_p": maxt_p, "median": median}]) if tested else None
    if found is None:
        candidates = np.flatnonzero(maxt_p == maxt_p.min())
        position = int(
            candidates[np.nanargmax(np.nan_to_num(share[candidates] - median[candidates], nan=-np.inf))]
            if tested
            else 0
        )
    else:
        position = found
    return Potential(
        bins=bins,
        v=potential(pooled, bins),
        bimodal_share=share,
        null=null,
        n_words_tested=len(tested),
        ci_low=low,
        ci_high=high,
        maxt_p=maxt_p,
        first_above_null=found,
        claim_position=position,
    )


def _summaries(
    per_word: list[dict],
    blind_masks: list[np.ndarray],
    names: list[str],
    config: "ReadoutConfig",
    rng: np.random.Generator,
    layers: tuple[int, ...],
) -> dict[tuple[str, str, str, str], LayerSummary]:
    """Every (design, variant, metric, subset) summary; the primary variant's sighted items get the
    recombined pooled null (`ReadoutConfig.n_null_pooled`), the exploratory ones pool draw b of every word."""
    keys = {key for word in per_word for key in word}
    out = {}
    for key in sorted(keys):
        for subset in SUBSETS:
            tasks, words = [], []
            for word, blind, name in zip(per_word, blind_masks, names):
                if key not in word:
                    continue
                counts, indices = word[key]
                mask = blind[indices] if subset == "blind" else ~blind[indices]
                if mask.any():
                    tasks.append(counts.take(mask))
                    words.append(name)
            if tasks:
                primary = key[1] == config.primary_variant and subset == "sighted"
                out[(*key, subset)] = summarise(
                    tasks, config.n_bootstrap, rng, np.array(layers), words, config.n_null_pooled if primary else None
                )
    return out


def _records(word: ReadoutWord, analysis: dict, blind: np.ndarray) -> list[ItemRecord]:
    items = word.items()
    records = [
        ItemRecord(word.key, i, word.classes[k].lexname, s, bool(blind[i]), {}) for i, (k, s) in enumerate(items)
    ]
    for (design, variant, metric), (counts, indices) in analysis.items():
        for row, index in enumerate(indices):
            records[index].values[f"{design}:{variant}:{metric}_correct"] = counts.correct[row]
            if metric == "sign":
                records[index].values[f"{design}:{variant}:sigma"] = counts.sigma[row]
    return records


def run_model(
    lm: LM,
    words: tuple[ReadoutWord, ...],
    config: "ReadoutConfig",
    cache: ActivationCache | None,
    log: Log | None = None,
    capture: Callable = capture_residuals,
) -> ModelReadout:
    """The readout and the potential on one loaded model."""
    start = time.perf_counter()
    usable, skipped = readable_words(lm, words, cache)
    if not usable:
        raise UserError(f"{lm.facts.spec} can read none of the words: " + "; ".join(s.reason for s in skipped[:3]))
    requests = [Request(p, t) for p, t in BASELINE] + [r for w in usable for r in word_requests(w)]
    vectors, stats = capture_all(
        lm, requests, cache, "last", False, config.capture_chunk, capture=capture, log=log, layers=config.layers
    )
    layers = config.layers or tuple(range(lm.facts.n_layers + 1))
    rng = np.random.default_rng(config.seed)

    @functools.cache
    def baselines(prompts: tuple[tuple[str, str], ...]) -> Baseline:  # one per distinct exclusion, not per word
        return Baseline.from_vectors(stack(vectors, [Request(p, t) for p, t in prompts]))

    per_word, blind_masks, records, sigmas, nulls = [], [], [], [], []
    for word in usable:
        baseline = baselines(tuple(baseline_for(word.lemma)))
        blind = np.array([lm.facts.causal and causal_blind(s, word.lemma) for _, s in word.items()], dtype=bool)
        analysis = analyse_word(word, vectors, baseline, config, rng)
        per_word.append(analysis)
        blind_masks.append(blind)
        records += _records(word, analysis, blind)
        found = _bimodality_inputs(word, vectors, baseline, blind, config, rng)
        if found is not None:
            sigmas.append(found[0])
            nulls.append(found[1])
    if log is not None:
        log(f"{lm.facts.spec}: {len(usable)} words read out; fitting the potential's mixtures")
    return ModelReadout(
        spec=lm.facts.spec,
        n_layers=lm.facts.n_layers,
        layers=layers,
        causal=lm.facts.causal,
        capture=stats,
        skipped=skipped,
        n_words=len(usable),
        summaries=_summaries(per_word, blind_masks, [w.key for w in usable], config, rng, layers),
        items=records,
        potential=measure_potential(sigmas, nulls, config, rng),
        seconds=time.perf_counter() - start,
    )


def model_cache(lm: LM, config: "ReadoutConfig", cache_root: Path | None | bool) -> ActivationCache | None:
    """The readout's activation cache on one model. cache_root: a directory, None (the default
    activation cache) or False (none)."""
    if cache_root is False:
        return None
    return ActivationCache(lm.facts, "last", False, cache_root or None, layers=config.layers)


def run_models(
    items: ReadoutItems,
    config: "ReadoutConfig",
    cache_root: Path | None | bool = None,
    log: Log | None = None,
    capture: Callable = capture_residuals,
) -> list[ModelReadout]:
    """`run_model` on every model of the config, loaded one at a time. cache_root: a directory, None
    (the default activation cache) or False (none)."""
    runs = []
    for spec in dict.fromkeys(config.models):
        if log is not None:
            log(f"model {spec}")
        lm = load_lm(spec, device=config.device)
        runs.append(run_model(lm, items.words, config, model_cache(lm, config, cache_root), log, capture))
        del lm
    return runs


def build_items(config: "ReadoutConfig") -> ReadoutItems:
    """The test items the config asks for: from its prompts file, else from WordNet."""
    if config.prompts is not None:
        return prompts_items(config.prompts)
    return cached_wordnet_items(config.pos, config.n_words)
