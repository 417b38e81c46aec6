"""The token data every small language model here trains on: WordNet text, BPE ids, origin labels.

`load_text_data` turns `semphys.data.load_corpus()` (one document per synset, split by synset) into
two token streams, train and valid, each document followed by `<eos>`. Every token also carries the
*origin* of the document it comes from: the index of the synset's lexicographer file (`lexname`,
45 categories such as `noun.animal` or `verb.motion`) in `ORIGIN_NAMES` (WordNet's lex_filenum order). The routing
experiments (spec 003) read it as the text's origin; the other models ignore it.

Documents are put in a seeded random order before they are streamed (WordNet's file order would
put every noun before every verb), so a window mixes categories and a token budget takes a
representative sample. Validation text is never seen in training: the split is by synset.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_finite
from semphys.data import LEXNAMES, Document, load_corpus, token_stream, train_tokenizer

ORIGIN_NAMES: tuple[str, ...] = tuple(name for name, _ in LEXNAMES)
"""The 45 lexicographer files in lex_filenum order: origin index i is `ORIGIN_NAMES[i]`."""

MIN_TOKENS = 64
"""A split with fewer tokens than this cannot fill a training or evaluation window."""

VOCAB_SIZE = 2048
"""Default vocabulary: entries of the BPE tokenizer, and so of every model's token table."""


@dataclass(frozen=True)
class DataConfig:
    """Which text, how much of it, and how it is tokenised."""

    vocab_size: int = VOCAB_SIZE
    """Entries of the byte-level BPE tokenizer trained on the train split (`semphys.data`)."""
    max_train_tokens: int | None = None
    """Keep only the first documents (in shuffled order) up to this many train tokens; None: all."""
    max_valid_tokens: int | None = None
    """The same for the validation split; None: all (about 140k tokens at 2048 entries)."""
    valid_fraction: float = 0.05
    """Share of synsets held out for validation (`semphys.data.load_corpus`)."""
    split_seed: int = 0
    """Key of the synset hash that splits train from validation."""
    order_seed: int = 0
    """Seed of the random document order within each split."""

    def __post_init__(self) -> None:
        require_at_least("vocab_size", self.vocab_size, 1)  # `train_tokenizer` refuses fewer than bytes + specials
        for name in ("max_train_tokens", "max_valid_tokens"):
            value = getattr(self, name)
            if value is not None:
                require_at_least(name, value, MIN_TOKENS)
        if not 0 < require_finite("valid_fraction", self.valid_fraction) < 1:
            raise UserError(f"valid_fraction must be between 0 and 1 (both excluded), got {self.valid_fraction}")


@dataclass(frozen=True)
class TokenSplit:
    """One split as a token stream with the origin of every token."""

    ids: np.ndarray
    """int64 `[n_tokens]`: token ids, each document followed by `<eos>`."""
    origins: np.ndarray
    """int64 `[n_tokens]`: index in `ORIGIN_NAMES` of the document each token belongs to."""
    n_documents: int

    def __len__(self) -> int:
        return int(self.ids.size)


@dataclass(frozen=True)
class TextData:
    """Train and validation token streams of the WordNet corpus, with their vocabulary and origins."""

    train: TokenSplit
    valid: TokenSplit
    vocab_size: int
    """Size of the token vocabulary (the tokenizer's, which may be smaller than asked)."""
    origin_names: tuple[str, ...]
    """Origin label names: `origin_names[i]` is the lexname with origin index i."""
    eos_id: int
    config: DataConfig

    @property
    def n_origins(self) -> int:
        return len(self.origin_names)


def origin_stream(ids: np.ndarray, docs: Sequence[Document], eos_id: int) -> np.ndarray:
    """Per token, the origin index (position of the lexname in `ORIGIN_NAMES`) of its document.

    `ids` is `token_stream(tokenizer, docs)`: every document ends with exactly one `<eos>`, so the
    number of `<eos>` before a token is the index of its document. Returns int64 `[n_tokens]`.
    """
    is_eos = ids == eos_id
    if int(is_eos.sum()) != len(docs):
        raise ValueError(f"stream has {int(is_eos.sum())} <eos> for {len(docs)} documents")
    doc_index = np.concatenate([[0], np.cumsum(is_eos)[:-1]]).astype(np.int64)
    lexname_index = {name: i for i, name in enumerate(ORIGIN_NAMES)}
    per_doc = np.array([lexname_index[doc.lexname] for doc in docs], dtype=np.int64)
    return per_doc[doc_index]


def _documents_within(tokenizer, docs: Sequence[Document], limit: int, chunk: int = 2048) -> int:
    """How many leading `docs` fit in `limit` tokens (each document counts its tokens + `<eos>`).

    Encodes chunk by chunk, so a small budget does not encode the whole split.
    """
    used = 0
    for start in range(0, len(docs), chunk):
        encodings = tokenizer.encode_batch([d.text for d in docs[start : start + chunk]], add_special_tokens=False)
        lengths = np.cumsum([len(e.ids) + 1 for e in encodings]) + used
        fits = int(np.searchsorted(lengths, limit, side="right"))
        if fits < len(encodings):
            return start + fits
        used = int(lengths[-1])
    return len(docs)


def _split(tokenizer, docs: Sequence[Document], limit: int | None, seed: int, name: str) -> TokenSplit:
    order = np.random.default_rng(seed).permutation(len(docs))
    shuffled = [docs[i] for i in order]
    if limit is not None:
        shuffled = shuffled[: _documents_within(tokenizer, shuffled, limit)]
    ids = token_stream(tokenizer, shuffled).astype(np.int64)
    if ids.size < MIN_TOKENS:
        raise UserError(
            f"the {name} split has {ids.size} tokens, fewer than {MIN_TOKENS}: "
            f"raise max_{name}_tokens or use a larger corpus"
        )
    eos = tokenizer.token_to_id("<eos>")
    return TokenSplit(ids, origin_stream(ids, shuffled, eos), len(shuffled))


def load_text_data(config: DataConfig = DataConfig()) -> TextData:
    """The WordNet corpus as train/valid token streams with origins (see the module docstring).

    The tokenizer is trained on the full train split and cached by `semphys.data`; only the kept
    documents are encoded. Raises `UserError` when a split ends up shorter than `MIN_TOKENS` (the
    budgets themselves are checked when the `DataConfig` is made).
    """
    corpus = load_corpus(config.valid_fraction, config.split_seed)
    tokenizer = train_tokenizer(corpus, config.vocab_size)
    train = _split(tokenizer, corpus.train, config.max_train_tokens, config.order_seed, "train")
    valid = _split(tokenizer, corpus.valid, config.max_valid_tokens, config.order_seed + 1, "valid")
    return TextData(train, valid, tokenizer.get_vocab_size(), ORIGIN_NAMES, tokenizer.token_to_id("<eos>"), config)


def shuffle_origins(split: TokenSplit, eos_id: int, seed: int) -> TokenSplit:
    """The same tokens with the documents' origin labels permuted among the documents.

    Every label keeps its number of documents, but no longer belongs to its text: the control that
    tells whether a model uses what the origin says about the text, or only that labels exist.
    """
    ends = np.flatnonzero(split.ids == eos_id)
    starts = np.concatenate([[0], ends[:-1] + 1])
    labels = split.origins[starts]
    permuted = labels[np.random.default_rng(seed).permutation(labels.size)]
    doc_index = np.concatenate([[0], np.cumsum(split.ids == eos_id)[:-1]])
    return TokenSplit(split.ids, permuted[np.minimum(doc_index, labels.size - 1)], split.n_documents)
