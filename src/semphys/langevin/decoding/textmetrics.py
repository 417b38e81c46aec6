"""Text statistics of generated continuations, on token ids.

- repetition rate: seq-rep-4 of Welleck et al. 2019 ("Neural text generation with unlikelihood
  training"): for one continuation, 1 - (distinct 4-grams) / (4-grams); averaged over continuations.
  0 means no 4-gram occurs twice; greedy decoding of small models is known to loop (high values).
- distinct-n (Li et al. 2016): distinct n-grams / n-grams, within each continuation and averaged
  (`distinct_n`), or pooled over all continuations of a method (`distinct_n_pooled`; repeated
  samples of a deterministic decoder are identical and lower the pooled value).
- perplexity: exp of the mean negative log-probability the model itself gives the generated tokens
  (full softmax at temperature 1, prompt as context), pooled over all tokens of a method. Greedy is
  the lowest by construction; it measures how typical the text is for the model, not its quality.
"""

import math
from collections.abc import Sequence


def _ngrams(tokens: Sequence[int], n: int) -> list[tuple[int, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def repetition_rate(continuations: Sequence[Sequence[int]], n: int = 4) -> float:
    """Mean over continuations of 1 - distinct n-grams / n-grams (seq-rep-n); nan if none is long enough."""
    rates = []
    for tokens in continuations:
        grams = _ngrams(list(tokens), n)
        if grams:
            rates.append(1 - len(set(grams)) / len(grams))
    return sum(rates) / len(rates) if rates else math.nan


def distinct_n(continuations: Sequence[Sequence[int]], n: int) -> float:
    """Mean over continuations of distinct n-grams / n-grams; nan if none has an n-gram."""
    values = []
    for tokens in continuations:
        grams = _ngrams(list(tokens), n)
        if grams:
            values.append(len(set(grams)) / len(grams))
    return sum(values) / len(values) if values else math.nan


def distinct_n_pooled(continuations: Sequence[Sequence[int]], n: int) -> float:
    """Distinct n-grams / n-grams over all continuations together; nan if there are none."""
    grams = [g for tokens in continuations for g in _ngrams(list(tokens), n)]
    return len(set(grams)) / len(grams) if grams else math.nan


def perplexity(log_probs: Sequence[Sequence[float]]) -> float:
    """exp(-mean log p) over every token of every continuation."""
    values = [v for row in log_probs for v in row]
    return math.exp(-sum(values) / len(values)) if values else math.nan
