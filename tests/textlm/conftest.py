"""Small synthetic token data for the textlm tests (the real corpus is used where it matters)."""

import numpy as np
import pytest

from semphys.textlm.data import DataConfig, TextData, TokenSplit


def synthetic_split(n_tokens: int, vocab_size: int, seed: int, eos_id: int = 3, doc_len: int = 9) -> TokenSplit:
    """Random tokens in [4, vocab) with an `<eos>` every `doc_len` tokens and one origin per document."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(4, vocab_size, size=n_tokens)
    ids[doc_len - 1 :: doc_len] = eos_id
    doc = np.concatenate([[0], np.cumsum(ids == eos_id)[:-1]])
    origins = rng.integers(0, 45, size=int(doc.max()) + 1)[doc]
    return TokenSplit(ids.astype(np.int64), origins.astype(np.int64), int(doc.max()) + 1)


@pytest.fixture
def tiny_data() -> TextData:
    """4,000 train and 600 validation tokens over a 40-entry vocabulary."""
    names = tuple(f"origin{i}" for i in range(45))
    return TextData(synthetic_split(4000, 40, 0), synthetic_split(600, 40, 1), 40, names, 3, DataConfig(vocab_size=40))


def markov_split(n_tokens: int, vocab_size: int, seed: int, stay: float, eos_id: int = 3) -> TokenSplit:
    """A first-order Markov stream: token t+1 = (7 t + 3) mod V with probability `stay`, else uniform.

    Its bigram entropy per token is H = -(q ln q + (V - 1) r ln r), q = stay + r, r = (1 - stay) / V: a
    bigram (and any model that reads the previous token) can reach exp(H); a unigram cannot. The
    `<eos>` id is an ordinary token here; every token has origin 0.
    """
    rng = np.random.default_rng(seed)
    ids = np.empty(n_tokens, dtype=np.int64)
    ids[0] = rng.integers(vocab_size)
    jump = rng.random(n_tokens) >= stay
    noise = rng.integers(0, vocab_size, n_tokens)
    for i in range(1, n_tokens):
        ids[i] = noise[i] if jump[i] else (7 * ids[i - 1] + 3) % vocab_size
    return TokenSplit(ids, np.zeros(n_tokens, dtype=np.int64), int((ids == eos_id).sum()))


MARKOV_STAY = 0.8


@pytest.fixture
def markov_data() -> TextData:
    """4,000 train and 1,000 validation tokens of `markov_split` over 40 entries (stay 0.8)."""
    names = tuple(f"origin{i}" for i in range(45))
    return TextData(
        markov_split(4000, 40, 0, MARKOV_STAY),
        markov_split(1000, 40, 1, MARKOV_STAY),
        40,
        names,
        3,
        DataConfig(vocab_size=40),
    )
