"""The verdict: spec thresholds and nulls as two outcomes, nulls at the real sample size, blind prompts out."""

import dataclasses

import numpy as np
import pytest

from semphys.phase.config import PhaseConfig, Thresholds
from semphys.phase.curve_statistics import curve_statistics
from semphys.phase.exponents import universality
from semphys.phase.nulls import NullDistribution
from semphys.phase.verdict import Criterion, WordStatistics, combine, headline, judge, verdict

LAYERS = np.arange(1, 13, dtype=np.float64)
N_PROMPTS, N_DRAWS, TRUE_LC = 10, 200, 6.0


def _word(name: str, real: np.ndarray, null: np.ndarray, chi: np.ndarray | None, n_blind: int = 0) -> WordStatistics:
    """WordStatistics from sigma curves: real [n_prompts, n_layers], null [n_draws, n_prompts, n_layers]."""
    prompts = curve_statistics(LAYERS, real)
    word_lc = float(np.nanmedian(prompts.lc))
    peak = None if chi is None else int(LAYERS[0] + np.argmax(chi))
    return WordStatistics(
        word=name, n_layers=12, first_layer=1, n_declared=len(real) + n_blind, n_blind=n_blind, prompts=prompts,
        word_lc=word_lc, chi_peak=peak, chi_distance=None if peak is None else abs(peak - word_lc),
        mean_chi=[] if chi is None else chi.tolist(),
        null={"label_shuffle": curve_statistics(LAYERS, null)},
    )


def _tanh_family(rng: np.random.Generator, shuffled: bool) -> tuple[np.ndarray, np.ndarray]:
    """A true tanh transition at TRUE_LC (sign: the declared sense) plus noise; shuffled: signs at random.

    The null is the same family with its sense labels shuffled: half the anchors of each sense on each
    side, so the direction contrast (and sigma's rise) cancels and only noise is left.
    """
    sign = np.where(np.arange(N_PROMPTS) % 2 == 0, 1.0, -1.0)
    clean = np.tanh(2.0 * (LAYERS - TRUE_LC))
    real = 0.4 * sign[:, None] * (clean + 1) / 2 + rng.normal(0, 0.01, (N_PROMPTS, len(LAYERS)))
    if shuffled:
        real = rng.normal(0, 0.03, (N_PROMPTS, len(LAYERS)))
    null = rng.normal(0, 0.03, (N_DRAWS, N_PROMPTS, len(LAYERS)))
    return real, null


def _rows(words: list[WordStatistics]) -> dict[str, Criterion]:
    config = PhaseConfig(n_null_draws=N_DRAWS)
    summary = combine("synthetic", words, "per-layer/standardised", config)
    return {r.key: r for r in verdict([summary], universality({"synthetic": summary.lc_ratio}), Thresholds())}


def _chi() -> np.ndarray:
    """Mean chi peaking at the transition (index 5 is layer 6)."""
    return np.exp(-((LAYERS - TRUE_LC) ** 2) / 2)


def test_a_tanh_transition_passes_jump_r2_and_chi_against_the_null() -> None:
    rng = np.random.default_rng(0)
    words = [_word(f"w{k}", *_tanh_family(rng, shuffled=False), _chi()) for k in range(3)]
    rows = _rows(words)
    for key in ("jump", "transition", "r2", "chi_peak"):
        assert rows[key].threshold_passed and rows[key].beats_null and rows[key].outcome == "PASS", key
    assert rows["jump"].null.p == pytest.approx(1 / (N_DRAWS + 1))  # no null draw comes close
    assert rows["transition"].value > 0.8


def test_the_same_family_with_shuffled_sense_labels_fails() -> None:
    rng = np.random.default_rng(1)
    # without a sense there is no transition for a hint to push: chi is noise too
    words = [_word(f"w{k}", *_tanh_family(rng, shuffled=True), np.abs(rng.normal(size=len(LAYERS))))
             for k in range(3)]
    rows = _rows(words)
    for key in ("jump", "transition", "r2", "chi_peak"):
        assert rows[key].passed is False, key
    assert rows["jump"].threshold_passed is False and rows["r2"].threshold_passed is False


def test_null_draws_have_the_real_sample_size() -> None:
    betas = np.array([0.5, 0.6, 0.55, 0.52])
    rng = np.random.default_rng(2)
    real, null = _tanh_family(rng, shuffled=False)
    word = _word("w", real[:4], null[:, :4], None)
    usable = np.ones(4, dtype=bool)
    word = dataclasses.replace(word, prompts=dataclasses.replace(word.prompts, beta=betas, beta_usable=usable))
    summary = combine("synthetic", [word], "per-layer/standardised", PhaseConfig(n_null_draws=N_DRAWS))
    assert summary.null["label_shuffle"].jump.shape == (N_DRAWS, 4)
    row = next(r for r in verdict([summary], universality({}), Thresholds()) if r.key == "beta_cv")
    assert row.n == 4 and row.value == pytest.approx(betas.std() / betas.mean())
    assert all(d.n_sample == 4 for d in row.nulls)


def test_a_word_without_control_draws_survives_the_json_round_trip() -> None:
    """A sweep stores WordStatistics as JSON, where [0, n] draws become []: the prompt count must survive."""
    rng = np.random.default_rng(3)
    with_draws = _word("a", *_tanh_family(rng, shuffled=False), None)
    real, _ = _tanh_family(rng, shuffled=False)
    without = _word("b", real, np.zeros((0, N_PROMPTS, len(LAYERS))), None)
    restored = [WordStatistics.from_dict(w.to_dict()) for w in (with_draws, without)]
    assert restored[1].null["label_shuffle"].jump.shape == (0, N_PROMPTS)
    summary = combine("synthetic", restored, "per-layer/standardised", PhaseConfig(n_null_draws=N_DRAWS))
    draws = summary.null["label_shuffle"].jump
    assert draws.shape == (N_DRAWS, 2 * N_PROMPTS) and np.isnan(draws[:, N_PROMPTS:]).all()


def test_a_blind_prompt_changes_no_statistic(builtin_run) -> None:
    """Gemma's bat: its two blind prompts equal the neutral one; the judged statistics leave them out."""
    gemma = builtin_run.models[0]
    bat = next(a for a in gemma.analyses if a.word.word == "bat")
    judged = bat.judged
    assert len(judged) == len(bat.declared) - 2
    variant = "per-layer/standardised"
    rows = {(r.key, r.model): r for r in verdict([gemma.summaries[variant]], universality({}), Thresholds())}
    # drop the blind prompts from the analysis entirely: the same statistics and null draws come out
    summary = gemma.summaries[variant]
    assert summary.n_blind == sum(bat.blind[i] for i in bat.declared) + sum(
        a.blind[i] for a in gemma.analyses if a is not bat for i in a.declared)
    without = dataclasses.replace(bat, blind=[False] * len(bat.blind),
                                  word=dataclasses.replace(bat.word, prompts=tuple(
                                      p for i, p in enumerate(bat.word.prompts) if not bat.blind[i])))
    keep = [i for i in range(len(bat.word.prompts)) if not bat.blind[i]]
    without = dataclasses.replace(
        without,
        statistics={v: dataclasses.replace(s, **{f.name: getattr(s, f.name)[keep] for f in dataclasses.fields(s)})
                    for v, s in bat.statistics.items()},
        null=dataclasses.replace(bat.null, curves={
            k: dataclasses.replace(s, **{f.name: getattr(s, f.name)[:, keep] for f in dataclasses.fields(s)})
            for k, s in bat.null.curves.items()}),
        chi=bat.chi,
    )
    from semphys.phase.verdict import summarise

    analyses = [without if a is bat else a for a in gemma.analyses]
    config = PhaseConfig(n_null_draws=50)
    again = summarise("embedded", analyses, variant, True, config)
    before = summarise("embedded", gemma.analyses, variant, True, config)
    for name in ("jump", "transition", "r2", "lc", "beta"):
        assert np.array_equal(getattr(again.prompts, name), getattr(before.prompts, name), equal_nan=True)
        assert np.array_equal(getattr(again.null["label_shuffle"], name), getattr(before.null["label_shuffle"], name),
                              equal_nan=True)
    assert again.word_lc == before.word_lc and again.chi_distance == before.chi_distance
    assert rows["jump", "embedded"].n == len(summary.prompts.jump)


def _row(threshold_passed: bool | None, p: float | None) -> Criterion:
    null = () if p is None else (NullDistribution("label_shuffle", 200, 5, 0.0, 0.1, 0.2, p),)
    return Criterion("jump", "sigma(l) jump", 0.1, ">", "spec 001", "m", 0.3, 5, threshold_passed, null, 0.05)


def test_evidence_needs_the_threshold_and_the_null() -> None:
    assert _row(True, 0.01).passed is True and _row(True, 0.01).outcome == "PASS"
    assert _row(True, 0.2).passed is False and _row(True, 0.2).beats_null is False  # a PASS the null also earns
    assert _row(False, 0.001).passed is False
    assert _row(True, None).passed is None and _row(None, 0.01).outcome == "n/a"
    two = dataclasses.replace(_row(True, 0.01), nulls=(NullDistribution("label_shuffle", 200, 5, 0, 0, 0, 0.01),
                                                       NullDistribution("random_directions", 200, 5, 0, 0, 0, 0.3)))
    assert two.null.source == "random_directions" and two.passed is False  # the most demanding null decides
    sentences = headline([_row(True, 0.01), _row(True, 0.2), _row(False, 0.5)])
    assert sentences == ["m: evidence for a Landau-type transition: no (1 of 3 criteria pass their threshold and "
                         "beat their null; 1 of 3 beat their null)"]


def test_one_model_cannot_judge_universality() -> None:
    rng = np.random.default_rng(3)
    words = [_word("w", *_tanh_family(rng, shuffled=False), None)]
    rows = _rows(words)
    assert rows["lc_spread"].passed is None and "needs two or more models" in rows["lc_spread"].detail
    assert rows["chi_peak"].passed is None and rows["chi_peak"].detail == "no word has hints"
    assert judge(0.1, 0.1, ">") is False and judge(float("nan"), 0.1, ">") is None


def test_sign_accuracy_on_the_real_run(builtin_run) -> None:
    for model in builtin_run.models:
        result = model.sign["standardised"]
        strong = result["accuracy"]["strong"]
        assert strong["n"] == 8 and strong["hits"] >= 6
        assert all(row["match"] == (row["sigma_last"] * row["expected_sign"] > 0) for row in result["prompts"])
        assert model.null_sign is not None and 0.25 < model.null_sign < 0.75  # shuffled labels: a coin flip
