"""A corpus of real English text from WordNet 3.0: one document per synset, split by synset.

Each `Document` is a synset's gloss followed by its example sentences, one per line, labelled with
the synset's lexicographer file (`lexname`, the "origin" label the routing experiments use) and part
of speech. 117,659 documents, about 8.7 M characters; 32,923 synsets have example sentences.

The train/validation split is by synset: a document goes to validation when a keyed hash of its
synset id (BLAKE2b, keyed by the seed) falls below `valid_fraction`. The split is the same on every
machine and Python process (no `hash()` randomisation), and a held-out synset never lends its text
to training.

Other English text Debian carries offline, not used here: `fortunes` (fortune cookies, about 2.6 MB
installed, section games) and `dict-gcide` (the GNU Collaborative International Dictionary of
English, about 17 MB, GPL); check a package's licence before shipping anything derived from it.
"""

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.io import atomic_path
from semphys.core.paths import cache_dir
from semphys.data.wordnet import load_wordnet
from semphys.data.wordnet_layout import DEBIAN_WORDNET_DIR, layout_fingerprint, nltk_wordnet_dir

SPLITS: tuple[str, ...] = ("train", "valid")

_FORMAT = "wordnet-synsets-v1"
"""Version of the document recipe; part of the cache key, so a change rebuilds the cache."""


@dataclass(frozen=True)
class Document:
    """One synset as text."""

    text: str
    """The gloss, then each example sentence, separated by newlines."""
    synset_id: str
    """nltk's synset name, `bank.n.01`: the unit of the train/validation split."""
    lexname: str
    """Lexicographer file of the synset (`noun.object`): the document's origin label."""
    pos: str
    """`n`, `v`, `a`, `s` or `r`."""


@dataclass(frozen=True)
class Corpus:
    """WordNet documents split by synset; build with `load_corpus`."""

    train: tuple[Document, ...]
    """Training documents, in WordNet file order (nouns, verbs, adjectives, adverbs)."""
    valid: tuple[Document, ...]
    """Held-out documents: no synset appears in both splits."""
    valid_fraction: float
    """Expected share of documents in `valid`."""
    seed: int
    """Key of the split hash: another seed, another split."""

    def texts(self, split: str = "train") -> list[str]:
        """The texts of `split` (`train` or `valid`), in order."""
        if split not in SPLITS:
            raise UserError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
        return [doc.text for doc in getattr(self, split)]

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the training documents (ids and texts): changes iff the train split does."""
        return documents_fingerprint(self.train)


def documents_fingerprint(docs: Iterable[Document]) -> str:
    """SHA-256 over the synset ids and texts of `docs`, in order."""
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(doc.synset_id.encode())
        digest.update(b"\0")
        digest.update(doc.text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def document_text(gloss: str, examples: Iterable[str]) -> str:
    """A synset's document text: the gloss, then each example sentence, one per line."""
    return "\n".join([gloss, *examples])


def in_validation(synset_id: str, valid_fraction: float, seed: int = 0) -> bool:
    """Whether `synset_id` falls in the validation split: a keyed hash of the id < `valid_fraction`.

    The hash is BLAKE2b-64 keyed by `seed`, read as a uniform number in [0, 1).
    """
    key = seed.to_bytes(16, "little", signed=True)
    digest = hashlib.blake2b(synset_id.encode(), digest_size=8, key=key).digest()
    return int.from_bytes(digest, "little") / 2**64 < valid_fraction


def wordnet_documents(source: Path = DEBIAN_WORDNET_DIR) -> tuple[Document, ...]:
    """One `Document` per synset of the WordNet in `source`, in file order.

    Cached on disk per WordNet source (`<cache>/data/corpus/*.jsonl`): only the first call reads
    the synsets through nltk.
    """
    fingerprint = layout_fingerprint(nltk_wordnet_dir(Path(source)))
    path = cache_dir("data", "corpus") / f"{_FORMAT}-{fingerprint[:16]}.jsonl"
    if not path.exists():
        docs = (
            Document(document_text(s.gloss, s.examples), s.synset_id, s.lexname, s.pos)
            for s in load_wordnet(source).all_synsets()
        )
        _write_jsonl(path, docs)
    return _read_jsonl(path)


def _write_jsonl(path: Path, docs: Iterable[Document]) -> None:
    """Write `docs` as JSON lines to `path` atomically (temp file in the same dir, then rename)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        for doc in docs:
            row = [doc.synset_id, doc.lexname, doc.pos, doc.text]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


@functools.lru_cache(maxsize=2)
def _read_jsonl(path: Path) -> tuple[Document, ...]:
    docs = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            synset_id, lexname, pos, text = json.loads(line)
            docs.append(Document(text, synset_id, lexname, pos))
    return tuple(docs)


def split_documents(docs: Iterable[Document], valid_fraction: float = 0.05, seed: int = 0) -> Corpus:
    """Split `docs` by synset into a `Corpus` (see `in_validation`); order is kept in each split."""
    if not 0.0 < valid_fraction < 1.0:
        raise UserError(f"valid_fraction must lie strictly between 0 and 1, got {valid_fraction}")
    train, valid = [], []
    for doc in docs:
        (valid if in_validation(doc.synset_id, valid_fraction, seed) else train).append(doc)
    return Corpus(tuple(train), tuple(valid), valid_fraction, seed)


def load_corpus(valid_fraction: float = 0.05, seed: int = 0, source: Path = DEBIAN_WORDNET_DIR) -> Corpus:
    """The WordNet corpus (`wordnet_documents`) split by synset (`split_documents`).

    The first call builds the documents (about 15 s: WordNet loaded and every synset read through
    nltk) and caches them under `<cache>/data/corpus/`. Raises `UserError` when WordNet is not
    installed.
    """
    return split_documents(wordnet_documents(source), valid_fraction, seed)
