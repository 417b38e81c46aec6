"""Spec 001 at WordNet scale on one loaded model: judged curves, own nulls, hints, growing contexts, pooled.

1. The gloss prompts and example sentences of every readable word are captured once through the
   readout's activation cache (`semphys.lm.cached_capture`, the same requests as `semphys phase
   readout`: a readout run's cache serves this one, and the other way round).
2. Per word: the gloss contrast, the signed judged curves of both designs (`curves`), the own-null
   draws of T against the other words' contrasts and random directions, and `n_fit_null` null word
   curves for the pooled fit nulls.
3. The hint prompts (exp. 4) and the growing contexts (exp. 5) of every word are forwarded in
   batches with sigma projected during the capture (`semphys.lm.projected`): no `[contexts, L + 1, d]`
   array is ever held; the projections are cached per chunk.
4. `pooled.pool` per design, chi (`hints.chi_summary`) against each word's l_c, the critical line
   (`contexts.critical_line`).
"""

import functools
import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from semphys.core.errors import UserError
from semphys.core.paths import cache_dir
from semphys.lm import LM
from semphys.lm.cache import ActivationCache, Request
from semphys.lm.cached_capture import CaptureStats, capture_cached
from semphys.lm.projected import ProjectedStats, capture_projected
from semphys.phase.activations import check_readable, stack
from semphys.phase.anisotropy import BASELINE, Baseline, baseline_for, correct
from semphys.phase.inputs.prompts import Skipped
from semphys.phase.order import unit
from semphys.phase.readout.items import ReadoutWord, causal_blind
from semphys.phase.scale.contexts import CriticalLine, critical_line, item_contexts
from semphys.phase.scale.curves import (
    CORRECTION,
    WordCurves,
    gloss_contrast,
    gloss_curves,
    loo_curves,
    mean_signed_unit,
    own_null_statistics,
)
from semphys.phase.scale.hints import WordHints, chi_summary, word_hints
from semphys.phase.scale.pooled import PooledStatistics, pool
from semphys.phase.scale.settings import ScaleSettings
from semphys.phase.transition import sigma_half_rise

Log = Callable[[str], None]


def projection_cache() -> Path:
    """Where the projected sigma of hints and growing contexts is cached (`<cache>/projected`)."""
    return cache_dir("projected")


@dataclass
class ModelScale:
    """Everything the WordNet-scale design measured on one model."""

    spec: str
    n_layers: int
    causal: bool
    capture: CaptureStats
    projected: ProjectedStats
    skipped: list[Skipped]
    gloss: PooledStatistics
    """The primary design."""
    loo: PooledStatistics
    blind: dict
    """Causal-blind items, apart: counts and their mean curve's half-rise."""
    n_contexts: int
    seconds: float


def word_requests(word: ReadoutWord) -> list[Request]:
    """The gloss prompts and example sentences of a word: the held-out readout's requests, so the two share
    their activation cache entries."""
    texts = [g for cls in word.classes for g in cls.glosses] + [s for _, s in word.items()]
    return [Request(text, word.lemma) for text in texts]


def readable_words(
    lm: LM, words: tuple[ReadoutWord, ...], cache: ActivationCache | None
) -> tuple[list[ReadoutWord], list[Skipped]]:
    """Words whose every request this model can read; a request its cache holds was read before."""
    usable, skipped = [], []
    for word in words:
        try:
            check_readable(lm, [r for r in word_requests(word) if cache is None or not cache.holds(r)])
        except UserError as err:
            skipped.append(Skipped(word.key, f"{lm.facts.spec}: {err}"))
            continue
        usable.append(word)
    return usable, skipped


@dataclass(frozen=True)
class _Judged:
    """A word's sighted judged items of classes A and B."""

    sentences: list[str]
    labels: np.ndarray
    blind_sentences: list[str]
    blind_labels: np.ndarray


def _judged(word: ReadoutWord, causal: bool) -> _Judged:
    pairs = [(k, s) for k, s in word.items() if k in (0, 1)]
    blind = [causal and causal_blind(s, word.lemma) for _, s in pairs]
    sighted = [p for p, b in zip(pairs, blind) if not b]
    hidden = [p for p, b in zip(pairs, blind) if b]
    return _Judged(
        [s for _, s in sighted],
        np.array([k for k, _ in sighted], dtype=int),
        [s for _, s in hidden],
        np.array([k for k, _ in hidden], dtype=int),
    )


def _loo_word(
    word: ReadoutWord, raw_of: Callable[[list[str]], np.ndarray], baseline: Baseline, causal: bool, key: str
) -> WordCurves:
    classes = word.loo_classes()[:2]
    empty = np.zeros((0, 0))
    if len(classes) < 2:
        return WordCurves(key, word.classes[0].lexname, empty, np.zeros(0, int), empty)
    pairs = [
        (classes.index(k), s) for k, s in word.items() if k in classes and not (causal and causal_blind(s, word.lemma))
    ]
    labels = np.array([k for k, _ in pairs], dtype=int)
    if min((labels == 0).sum(), (labels == 1).sum()) < 2:
        return WordCurves(key, word.classes[0].lexname, empty, np.zeros(0, int), empty)
    curves = loo_curves(raw_of([s for _, s in pairs]), labels, baseline)
    return WordCurves(key, word.classes[0].lexname, curves, labels, empty)


def _fingerprint(lm: LM, bank: np.ndarray, baselines: dict[str, Baseline]) -> str:
    digest = hashlib.sha256(f"{lm.facts.spec}\n{CORRECTION}\n".encode())
    digest.update(np.ascontiguousarray(bank, dtype=np.float32).tobytes())
    for lemma in sorted(baselines):
        digest.update(lemma.encode())
        digest.update(np.ascontiguousarray(baselines[lemma].mean, dtype=np.float32).tobytes())
        digest.update(np.ascontiguousarray(baselines[lemma].std, dtype=np.float32).tobytes())
    return digest.hexdigest()


def measure_model(
    lm: LM,
    words: tuple[ReadoutWord, ...],
    settings: ScaleSettings,
    cache: ActivationCache | None,
    projection_cache: Path | None,
    log: Log | None = None,
) -> ModelScale:
    """The WordNet-scale design on one loaded model (see the module docstring)."""
    start = time.perf_counter()
    say = log or (lambda message: None)
    usable, skipped = readable_words(lm, words, cache)
    if not usable:
        raise UserError(f"{lm.facts.spec} can read none of the words: " + "; ".join(s.reason for s in skipped[:3]))
    requests = [Request(p, t) for p, t in BASELINE] + [r for w in usable for r in word_requests(w)]
    vectors, stats = capture_cached(lm, requests, cache, "last", False, settings.capture_chunk, log=log)
    rng = np.random.default_rng(settings.seed)
    n_layers, causal = lm.facts.n_layers, lm.facts.causal
    fit = np.arange(settings.first_fit_layer, n_layers + 1)

    @functools.cache
    def baseline_of(lemma: str) -> Baseline:
        return Baseline.from_vectors(stack(vectors, [Request(p, t) for p, t in baseline_for(lemma)]))

    bank = np.stack(
        [
            gloss_contrast(
                stack(vectors, [Request(g, w.lemma) for g in w.classes[0].glosses]),
                stack(vectors, [Request(g, w.lemma) for g in w.classes[1].glosses]),
                baseline_of(w.lemma),
            )
            for w in usable
        ]
    ).astype(np.float32)
    gloss_words: list[WordCurves] = []
    loo_words: list[WordCurves] = []
    judged: list[_Judged] = []
    for index, word in enumerate(usable):
        baseline = baseline_of(word.lemma)

        def raw_of(sentences: list[str], lemma: str = word.lemma) -> np.ndarray:
            return stack(vectors, [Request(s, lemma) for s in sentences])

        items = _judged(word, causal)
        judged.append(items)
        contrast = bank[index].astype(np.float64)
        d = lm.facts.d_model
        if len(items.labels):
            raw = raw_of(items.sentences)
            curves = gloss_curves(raw, items.labels, contrast, baseline)
            m = mean_signed_unit(raw, items.labels, baseline)
            others = np.delete(np.arange(len(usable)), index)
            picked = rng.permutation(others)[: settings.n_own_null]
            nulls = own_null_statistics(m, bank[picked].astype(np.float64), fit, settings.n_own_null, rng)
            null_curves = np.einsum("ld,bld->bl", m, bank[picked[: settings.n_fit_null]].astype(np.float64))
        else:
            curves, m, nulls, null_curves = np.zeros((0, n_layers + 1)), np.zeros((n_layers + 1, d)), {}, None
        blind = (
            gloss_curves(raw_of(items.blind_sentences), items.blind_labels, contrast, baseline)
            if len(items.blind_labels)
            else np.zeros((0, n_layers + 1))
        )
        gloss_words.append(
            WordCurves(word.key, word.classes[0].lexname, curves, items.labels, blind, m, nulls, null_curves)
        )
        loo_words.append(_loo_word(word, raw_of, baseline, causal, word.key))
    baselines = {word.lemma: baseline_of(word.lemma) for word in usable}
    vectors.clear()  # every full vector the rest needs is in the bank, the curves and the baselines
    say(
        f"{lm.facts.spec}: {len(usable)} words, {sum(len(j.labels) for j in judged)} judged items; "
        "forwarding hints and growing contexts"
    )

    hints: list[WordHints] = [
        word_hints(
            w, usable[(i + 1) % len(usable)] if len(usable) > 1 else None, settings.hint_template, settings.n_hints
        )
        for i, w in enumerate(usable)
    ]
    slots: dict[str, list[int]] = defaultdict(list)  # lemma -> word indices (a lemma of two parts of speech)
    for index, word in enumerate(usable):
        slots[word.lemma].append(index)
    width = max(len(v) for v in slots.values())
    context_rows: list[tuple[int, int, int]] = []  # (word, label sign, n_context)
    listed: list[Request] = []
    owner: list[int] = []  # the word of each listed request
    for index, (word, hint) in enumerate(zip(usable, hints)):
        texts = [hint.base, *hint.sense, hint.hint_free] + ([hint.wrong_sense] if hint.wrong_sense else [])
        listed += [Request(t, word.lemma) for t in texts]
        owner += [index] * len(texts)
    n_hint_requests = len(listed)
    for index, (word, items) in enumerate(zip(usable, judged)):
        for sentence, label in zip(items.sentences, items.labels):
            for n_context, text in item_contexts(sentence, word.lemma, causal, settings.max_context):
                listed.append(Request(text, word.lemma))
                owner.append(index)
                context_rows.append((index, 1 - 2 * int(label), n_context))

    def project(part: list[Request], resid: np.ndarray) -> np.ndarray:
        out = np.full((len(part), width, n_layers + 1), np.nan)
        for row, request in enumerate(part):
            baseline = baselines[request.target]
            x = unit(correct(resid[row].astype(np.float64), CORRECTION, baseline))
            for slot, index in enumerate(slots[request.target]):
                out[row, slot] = np.einsum("ld,ld->l", x, bank[index].astype(np.float64))
        return out

    projected, projected_stats = capture_projected(
        lm, listed, project, _fingerprint(lm, bank, baselines), projection_cache, settings.capture_chunk, log=log
    )
    slot_of = {index: slots[w.lemma].index(index) for index, w in enumerate(usable)}
    sigma_of = [projected[i, slot_of[owner[i]]] for i in range(len(listed))]

    say(f"{lm.facts.spec}: pooling over words (fits, own nulls, shared-beta null)")
    primary = pool(gloss_words, n_layers, "gloss", settings, rng)
    loo = pool(loo_words, n_layers, "loo", settings, rng, with_nulls=False)

    lc = {key: value for key, value in zip(primary.keys, primary.words.lc)}
    sense_chi, free_chi, wrong_chi, lcs = [], [], [], []
    position = 0
    for word, hint in zip(usable, hints):
        base = sigma_of[position]
        sense = np.array([sigma_of[position + 1 + k] for k in range(len(hint.sense))]).reshape(-1, n_layers + 1)
        free = sigma_of[position + 1 + len(hint.sense)]
        wrong = sigma_of[position + 2 + len(hint.sense)] if hint.wrong_sense is not None else None
        position += 2 + len(hint.sense) + (hint.wrong_sense is not None)
        sense_chi.append(np.abs(sense - base))
        free_chi.append(np.abs(free - base))
        wrong_chi.append(np.abs(wrong - base) if wrong is not None else None)
        lcs.append(lc.get(word.key, np.nan))
    primary.chi = chi_summary(
        sense_chi,
        free_chi,
        wrong_chi,
        np.array(lcs),
        settings.first_fit_layer,
        settings.n_null_draws,
        settings.n_bootstrap,
        rng,
    )
    line: CriticalLine | None = None
    if context_rows:
        rows = np.array(context_rows)
        signed = np.array(sigma_of[n_hint_requests:]) * rows[:, 1:2]
        line = critical_line(signed, rows[:, 0], rows[:, 2], fit, len(usable), settings.n_bootstrap, rng)
    primary.critical_line = line
    return ModelScale(
        spec=lm.facts.spec,
        n_layers=n_layers,
        causal=causal,
        capture=stats,
        projected=projected_stats,
        skipped=skipped,
        gloss=primary,
        loo=loo,
        blind=_blind_summary(gloss_words, fit, n_layers),
        n_contexts=len(context_rows),
        seconds=time.perf_counter() - start,
    )


def _blind_summary(words: list[WordCurves], fit: np.ndarray, n_layers: int) -> dict:
    blind = [w.blind.mean(axis=0) for w in words if len(w.blind)]
    out: dict = {"n_items": int(sum(len(w.blind) for w in words)), "n_words": len(blind)}
    if blind:
        mean = np.mean(blind, axis=0)[fit]
        out["mean_curve_half_rise_over_L"] = float(sigma_half_rise(mean, fit.astype(np.float64))) / n_layers
        out["mean_curve"] = mean.tolist()
    return out
