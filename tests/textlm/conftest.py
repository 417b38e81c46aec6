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
