"""The token clock (spec 000 §4.4's generation time), causal models only.

States along a text, one per token t, read after the model has seen tokens 0..t:
    sqrt_p     x_t = sqrt(p_t), p_t the next-token distribution over the whole vocabulary (the square-root
               embedding of `semphys.langevin.decoding.coupling`), reduced on the fly to the Gram matrix of a
               sequence (`vocab.sqrt_prob_gram`), never stored per token;
    residual   the direction of the last layer's residual stream (before the final norm).
Sequences: real held-out passages (WordNet validation synsets joined to `tokens` tokens), and
continuations sampled from the model at each temperature of `temperatures` (full softmax of logits / T).

Measured per state kind:
- the lag overlap C(k) and its relaxation-vs-flat fit (`relaxation`), per sequence group (descriptive,
  for the figure); on the real passages, per passage, the relaxation contrast against `shuffles`
  block shuffles of that passage's tokens and the fitted tau (`relaxation.relaxation_test`);
- the FEP as a predictor (`prediction`), cross-fitted: tau chosen on one half of the real passages,
  scored on the other, and the other way round, so every passage is scored by a tau it did not choose;
  against raw and the causal running mean per passage, and against `shuffles` shuffled orders of each
  passage's tokens (`prediction.order_test`);
- temperature as a probe (`fluctuation`): at one prompt, `probe_samples` next tokens drawn at each of
  `probe_temperatures`, each appended and the next state read; spread against T, Hessians;
- lens switching (spec 000 §4.5, `lens_switching` below) on the first `lens_passages` real passages.

Lens switching: the same state read through different measurement operators.

Operators on the residual stream at each position of a real passage:
    sampling   the decoder's x^2 read-out: a token drawn from p = softmax(head(norm(h_L))), the model's own;
    lens_l     the logit lens at layer l: a token drawn from softmax(head(norm(h_l))) (nostalgebraist 2020).
How different two operators' readings are is measured as the probability that a draw from each agrees,
sum_v p_A(v) p_B(v) (`vocab.row_overlap`), against the spread of one operator: the probability that two
independent draws of the x^2 read-out agree, sum_v p(v)^2. Lens switching changes the reading when a
lens agrees with the read-out less often than the read-out agrees with itself. KL(p || q_lens) is reported
beside it. The argmax read-out is left out of the verdict: it agrees with a draw of p with probability
max_v p(v) >= sum_v p(v)^2 for every p, so "argmax differs from sampling less than sampling from itself"
is true by construction, not a finding.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from semphys.langevin.measure.fluctuation import fluctuation_probe
from semphys.langevin.measure.geometry import unit
from semphys.langevin.measure.prediction import mean_scores, order_test, score_predictors
from semphys.langevin.measure.relaxation import fit_relaxation, lag_overlaps, relaxation_test
from semphys.langevin.measure.vocab import row_kl, row_overlap, sqrt_prob_gram
from semphys.lm import LM, IncrementalDecoder, final_residuals, logit_chunks, residuals_at

STATES = ("sqrt_p", "residual")


@dataclass(frozen=True)
class TokenTimeConfig:
    """Settings of the token clock."""

    tokens: int = 64
    """T: tokens per passage and per sampled continuation."""
    passages: int = 40
    """Real passages: the units every token-clock claim resamples (each half chooses the FEP's tau for
    the other)."""
    shuffles: int = 200
    """Shuffled token orders per passage: the null of the relaxation and of the FEP's order claims."""
    relaxation_block: int = 1
    """Tokens kept together by the relaxation null's shuffle (1: a full shuffle, see `relaxation.block_shuffle`)."""
    samples: int = 4
    """Sampled continuations per temperature."""
    temperatures: tuple[float, ...] = (0.3, 0.7, 1.0, 1.5)
    """Sampling temperatures of the continuations."""
    fep_taus: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
    """EMA time constants in tokens."""
    max_lag: int = 16
    probe_temperatures: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    probe_samples: int = 48
    probe_rank: int = 4
    """Principal directions of the probe's covariance."""
    lens_passages: int = 12
    """Real passages read through the logit lenses (spec 000 §4.5); the unit of its paired test (12 passages
    allow an exact sign-flip p down to 1/4096: fewer than 10 could not survive Holm over the table)."""
    prompt_tokens: int = 16
    """Prompt length of the sampled continuations and of the probe."""
    seed: int = 0


def real_passages(lm: LM, texts: Sequence[str], n: int, length: int) -> list[torch.Tensor]:
    """`n` passages of `length` tokens (after the BOS token, when the model has one) from consecutive texts."""
    bos = [lm.tokenizer.bos_token_id] if lm.tokenizer.bos_token_id is not None else []
    passages, current = [], []
    for text in texts:
        current += lm.tokenizer(text + "\n", add_special_tokens=False).input_ids
        if len(current) >= length:
            passages.append(torch.tensor(bos + current[:length]))
            current = []
            if len(passages) == n:
                break
    return passages


def _grams(lm: LM, ids: torch.Tensor, start: int) -> dict[str, np.ndarray]:
    """Both states' Gram matrices over positions start..end of one sequence ids [L]."""
    hidden = final_residuals(lm, ids[None])[0, start:]
    direction = unit(hidden.double().numpy())
    return {"sqrt_p": sqrt_prob_gram(logit_chunks(lm, hidden)), "residual": direction @ direction.T}


def _continuations(
    lm: LM, prompt: str, config: TokenTimeConfig, temperature: float, generator: torch.Generator
) -> tuple[torch.Tensor, int]:
    decoder = IncrementalDecoder(lm, prompt, batch=config.samples, ban_special=False)
    for _ in range(config.tokens):
        probs = torch.softmax(decoder.logits().double() / temperature, dim=-1)
        decoder.append(torch.multinomial(probs.cpu(), 1, generator=generator))
    return decoder.ids, decoder.prompt_length


MIN_LAGS = 4
"""Fewer lags than this (sequences shorter than 5 tokens) fit no relaxation."""


def _relaxation(grams: list[dict[str, np.ndarray]], max_lag: int) -> dict | None:
    max_lag = min(max_lag, min(len(g["residual"]) for g in grams) - 1)
    if max_lag < MIN_LAGS:
        return None
    out = {}
    for state in STATES:
        overlap = np.mean([lag_overlaps(g[state], max_lag)[1:] for g in grams], axis=0)
        out[state] = fit_relaxation(overlap).__dict__
    return out


def _fep(
    grams: list[np.ndarray], groups: dict[str, list[dict[str, np.ndarray]]], state: str, config: TokenTimeConfig
) -> dict:
    """The cross-fitted FEP comparison on one state's real passage grams (see the module docstring)."""
    scores = [score_predictors(g, config.fep_taus, seed=config.seed) for g in grams]
    half = len(scores) // 2
    folds = (list(range(half)), list(range(half, len(scores))))
    chosen = []
    for fold, other in (folds, folds[::-1]):
        tau = config.fep_taus[int(np.argmax(mean_scores([scores[p] for p in other]).ema))]
        chosen.append(tau)
    taus = [chosen[0] if p < half else chosen[1] for p in range(len(scores))]
    index = [config.fep_taus.index(t) for t in taus]
    return {
        "taus_chosen": chosen,
        "taus": taus,
        "per_passage": {
            "ema": [s.ema[k] for s, k in zip(scores, index)],
            "raw": [s.raw for s in scores],
            "running_mean": [s.running_mean for s in scores],
        },
        "order_test": order_test(grams, taus, config.shuffles, config.seed),
        "held_out": mean_scores(scores).__dict__,
        "by_temperature": {
            name: mean_scores([score_predictors(g[state], config.fep_taus, seed=config.seed) for g in group]).__dict__
            for name, group in groups.items()
            if name != "real"
        },
    }


def _probe(lm: LM, prompt_ids: torch.Tensor, config: TokenTimeConfig, generator: torch.Generator) -> dict:
    logits = torch.cat(list(logit_chunks(lm, final_residuals(lm, prompt_ids[None])[0, -1:])), dim=1)[0]
    tokens, labels = [], []
    for temperature in config.probe_temperatures:
        probs = torch.softmax(logits.double() / temperature, dim=-1)
        tokens.append(torch.multinomial(probs, config.probe_samples, replacement=True, generator=generator))
        labels += [temperature] * config.probe_samples
    tokens = torch.cat(tokens)
    unique, inverse = torch.unique(tokens, return_inverse=True)
    batch = torch.cat([prompt_ids.repeat(len(unique), 1), unique[:, None]], dim=1)
    hidden = final_residuals(lm, batch)[:, -1][inverse]
    direction = unit(hidden.double().numpy())
    grams = {"sqrt_p": sqrt_prob_gram(logit_chunks(lm, hidden)), "residual": direction @ direction.T}
    result = {
        state: fluctuation_probe(g, labels, config.probe_rank, config.seed).__dict__ for state, g in grams.items()
    }
    result["distinct_tokens"] = {
        str(t): int(len(torch.unique(tokens[i * config.probe_samples : (i + 1) * config.probe_samples])))
        for i, t in enumerate(config.probe_temperatures)
    }
    return result


def measure_token_time(
    lm: LM, texts: Sequence[str], config: TokenTimeConfig, log: Callable[[str], None] = lambda message: None
) -> dict:
    """The token-clock section for a causal model; `texts` are held-out documents."""
    generator = torch.Generator().manual_seed(config.seed)
    passages = real_passages(lm, texts, config.passages, config.tokens)
    log(f"{lm.facts.spec}: token clock on {len(passages)} real passages of {config.tokens} tokens")
    start = 1 if lm.tokenizer.bos_token_id is not None else 0
    real = [_grams(lm, ids, start) for ids in passages]
    groups = {"real": real}
    prompt = lm.tokenizer.decode(passages[0][start : start + config.prompt_tokens])
    for temperature in config.temperatures:
        log(f"{lm.facts.spec}: sampling {config.samples} continuations at T = {temperature}")
        ids, prompt_length = _continuations(lm, prompt, config, temperature, generator)
        groups[f"T={temperature:g}"] = [_grams(lm, row, prompt_length) for row in ids]
    if len(real) < 2:
        raise ValueError(f"the token clock needs at least 2 real passages of {config.tokens} tokens, found {len(real)}")
    fep = {state: _fep([g[state] for g in real], groups, state, config) for state in STATES}
    max_lag = min(config.max_lag, config.tokens - 1)
    relaxation_tests = {
        state: relaxation_test([g[state] for g in real], max_lag, config.shuffles, config.relaxation_block, config.seed)
        if max_lag >= MIN_LAGS
        else None
        for state in STATES
    }
    log(f"{lm.facts.spec}: temperature probe ({config.probe_samples} samples x {len(config.probe_temperatures)} T)")
    probe = _probe(lm, passages[0][: start + config.prompt_tokens], config, generator)
    log(f"{lm.facts.spec}: lens switching on {min(config.lens_passages, len(passages))} passages")
    lens = lens_switching(lm, passages[: config.lens_passages], start)
    return {
        "n_passages": len(passages),
        "tokens": config.tokens,
        "lens_switching": lens,
        "relaxation": {name: _relaxation(grams, config.max_lag) for name, grams in groups.items()},
        "relaxation_test": relaxation_tests,
        "fep": fep,
        "temperature_probe": probe,
    }


LENS_DEPTHS = (0.5, 0.75)
"""Logit-lens layers as fractions of the depth."""


def lens_layers(n_layers: int) -> list[int]:
    return sorted({min(n_layers - 1, max(1, round(f * n_layers))) for f in LENS_DEPTHS})


def lens_switching(lm: LM, passages: Sequence[torch.Tensor], start: int) -> dict:
    """Agreement and KL of the logit lenses with the x^2 read-out over positions start.. of `passages`."""
    layers = lens_layers(lm.facts.n_layers)
    final = lm.facts.n_layers
    within, between, kl = [], {layer: [] for layer in layers}, {layer: [] for layer in layers}
    for ids in passages:
        states = residuals_at(lm, ids[None], [*layers, final])
        # each read-out's logits once per passage ([T, vocab] float32: about 67 MB at T = 64 on Gemma)
        last = list(logit_chunks(lm, states[final][0, start:]))
        within.append(row_overlap(last, last))
        for layer in layers:
            lens = list(logit_chunks(lm, states[layer][0, start:]))
            between[layer].append(row_overlap(lens, last))
            kl[layer].append(row_kl(last, lens))
    return {
        "layers": layers,
        "sampling_self_agreement": float(np.mean(np.concatenate(within))),
        "lens_agreement": {str(layer): float(np.mean(np.concatenate(between[layer]))) for layer in layers},
        "kl_final_to_lens": {str(layer): float(np.mean(np.concatenate(kl[layer]))) for layer in layers},
        "per_passage_self_agreement": [float(np.mean(w)) for w in within],
        "per_passage_lens_agreement": {str(layer): [float(np.mean(b)) for b in between[layer]] for layer in layers},
    }
