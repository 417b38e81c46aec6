"""A byte-level BPE tokenizer trained on a corpus's train split, and the token stream an LM eats.

Byte-level BPE as in GPT-2 (Radford et al. 2019; BPE from Sennrich et al. 2016), built with HF
`tokenizers`: text is mapped to bytes, so every string encodes without `<unk>` and decodes back to
itself exactly. Special tokens `<pad>`, `<unk>`, `<bos>`, `<eos>` take ids 0 to 3.

A trained tokenizer is cached as `<cache>/data/tokenizers/bpe-<vocab>-<key>/tokenizer.json`, keyed
by the vocabulary size, the recipe and the corpus's fingerprint, and written atomically.
"""

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from semphys.core.errors import UserError
from semphys.core.io import atomic_path
from semphys.core.paths import cache_dir
from semphys.data.corpus import Corpus, Document

SPECIAL_TOKENS: tuple[str, ...] = ("<pad>", "<unk>", "<bos>", "<eos>")
"""Special tokens, with ids 0, 1, 2, 3 in this order."""

_RECIPE = "byte-level-bpe-v1"
"""Version of the training recipe below; part of the cache key."""

MIN_VOCAB = 256 + len(SPECIAL_TOKENS)
"""The smallest vocabulary: the 256 byte tokens and the special tokens."""


def tokenizer_path(corpus: Corpus, vocab_size: int) -> Path:
    """Where the tokenizer of `corpus` with `vocab_size` entries is cached (may not exist yet)."""
    key = hashlib.sha256(f"{_RECIPE}\0{vocab_size}\0{corpus.fingerprint}".encode()).hexdigest()
    return cache_dir("data", "tokenizers", f"bpe-{vocab_size}-{key[:16]}") / "tokenizer.json"


def train_tokenizer(corpus: Corpus, vocab_size: int = 4096) -> Tokenizer:
    """A byte-level BPE tokenizer of `vocab_size` entries trained on `corpus.train`; cached.

    `vocab_size` counts the 256 byte symbols and the 4 special tokens, so it must be at least 260.
    A corpus too small to learn that many merges gives a smaller vocabulary.
    """
    if vocab_size < MIN_VOCAB:
        raise UserError(f"vocab_size must be at least {MIN_VOCAB} (256 bytes + 4 specials), got {vocab_size}")
    path = tokenizer_path(corpus, vocab_size)
    if path.exists():
        return Tokenizer.from_file(str(path))

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus.texts("train"), trainer=trainer, length=len(corpus.train))

    with atomic_path(path) as tmp:
        tokenizer.save(str(tmp))
    return tokenizer


def token_stream(tokenizer: Tokenizer, docs: Sequence[Document]) -> np.ndarray:
    """All `docs` as one stream of token ids, each document followed by `<eos>`.

    Returns int32 `[n_tokens]`, where n_tokens = sum over docs of (tokens in the doc + 1).
    """
    eos = tokenizer.token_to_id("<eos>")
    if eos is None:
        raise UserError("tokenizer has no <eos> token: train it with semphys.data.train_tokenizer")
    encodings = tokenizer.encode_batch([doc.text for doc in docs], add_special_tokens=False)
    lengths = np.fromiter((len(e.ids) + 1 for e in encodings), dtype=np.int64, count=len(encodings))
    stream = np.empty(int(lengths.sum()), dtype=np.int32)
    start = 0
    for encoding, length in zip(encodings, lengths):
        stream[start : start + length - 1] = encoding.ids
        stream[start + length - 1] = eos
        start += length
    return stream
