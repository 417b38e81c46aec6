"""The byte-level BPE tokenizer: exact round trips, vocabulary size, caching, the token stream."""

import os
from pathlib import Path

import numpy as np
import pytest

from semphys.core.errors import UserError
from semphys.data import (
    SPECIAL_TOKENS,
    Corpus,
    Document,
    split_documents,
    token_stream,
    tokenizer_path,
    train_tokenizer,
    wordnet_documents,
)

HARD_TEXTS = [
    "he sat on the bank of the river",
    "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\n\n",
    "Café, naïve, Straße — “quotes” and 日本語 and emoji 🙂",
    "",
]


@pytest.fixture(scope="module")
def small_corpus() -> Corpus:
    """The first 3,000 WordNet documents, split by synset: enough for a 512-entry vocabulary."""
    return split_documents(wordnet_documents()[:3000], valid_fraction=0.1)


def test_full_corpus_tokenizer_has_the_asked_vocabulary_and_round_trips(corpus: Corpus):
    tokenizer = train_tokenizer(corpus, vocab_size=4096)
    assert tokenizer.get_vocab_size() == 4096
    assert [tokenizer.token_to_id(t) for t in SPECIAL_TOKENS] == [0, 1, 2, 3]
    for text in corpus.texts("valid") + HARD_TEXTS:
        ids = tokenizer.encode(text).ids
        assert tokenizer.decode(ids) == text
        assert tokenizer.token_to_id("<unk>") not in ids
    # Learned merges compress English: well under one token per 3 characters on held-out text.
    valid = corpus.texts("valid")
    n_tokens = sum(len(e.ids) for e in tokenizer.encode_batch(valid))
    assert n_tokens < sum(map(len, valid)) / 3


def test_tokenizer_is_cached_not_retrained(private_cache: Path, small_corpus: Corpus):
    first = train_tokenizer(small_corpus, vocab_size=512)
    path = tokenizer_path(small_corpus, 512)
    assert path.is_file() and path.is_relative_to(private_cache)
    stat = path.stat()
    second = train_tokenizer(small_corpus, vocab_size=512)
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_ino == stat.st_ino
    assert second.get_vocab() == first.get_vocab() and first.get_vocab_size() == 512
    assert [p.name for p in path.parent.iterdir()] == ["tokenizer.json"]  # no temp files left


def test_cache_key_depends_on_vocab_size_and_train_split(private_cache: Path, small_corpus: Corpus):
    reseeded = split_documents(small_corpus.train + small_corpus.valid, 0.1, seed=1)
    paths = {
        tokenizer_path(small_corpus, 512),
        tokenizer_path(small_corpus, 1024),
        tokenizer_path(reseeded, 512),
    }
    assert len(paths) == 3


def test_tokenizer_sees_only_the_train_split(private_cache: Path):
    train = [Document("aaaa aaaa aaaa", f"a{i}.n.01", "noun.Tops", "n") for i in range(20)]
    valid = [Document("zzzz zzzz zzzz", "z.n.01", "noun.Tops", "n")]
    tokenizer = train_tokenizer(Corpus(tuple(train), tuple(valid), 0.05, 0), vocab_size=300)
    assert len(tokenizer.encode("aaaa").ids) == 1
    assert len(tokenizer.encode("zzzz").ids) == 4  # bytes only: no merge learned from valid


def test_too_small_vocabulary_is_a_user_error(small_corpus: Corpus):
    with pytest.raises(UserError, match="at least 260"):
        train_tokenizer(small_corpus, vocab_size=100)


def test_token_stream_is_documents_separated_by_eos(private_cache: Path, small_corpus: Corpus):
    tokenizer = train_tokenizer(small_corpus, vocab_size=512)
    docs = small_corpus.valid[:50]
    stream = token_stream(tokenizer, docs)
    eos = tokenizer.token_to_id("<eos>")
    assert stream.dtype == np.int32 and stream.ndim == 1
    assert stream[-1] == eos and int((stream == eos).sum()) == len(docs)
    pieces = np.split(stream, np.flatnonzero(stream == eos) + 1)[:-1]
    for doc, piece in zip(docs, pieces, strict=True):
        assert tokenizer.decode(piece[:-1].tolist()) == doc.text
    assert len(token_stream(tokenizer, [])) == 0


def test_cached_file_is_readable_by_others(private_cache: Path, small_corpus: Corpus):
    train_tokenizer(small_corpus, vocab_size=512)
    assert os.stat(tokenizer_path(small_corpus, 512)).st_mode & 0o777 == 0o644
