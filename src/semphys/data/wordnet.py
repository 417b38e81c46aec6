"""WordNet 3.0 as a sense inventory: lemma -> senses with gloss, examples and lexicographer file.

The data is Debian's `wordnet-base` and `wordnet-sense-index`, laid out for nltk by
`semphys.data.wordnet_layout` and read with nltk's `WordNetCorpusReader` (Miller 1995, "WordNet: a
lexical database for English"; file formats in wndb(5WN) and lexnames(5WN)).

nltk 3.10 checks every file it opens against its trusted data directories (`nltk.data.path`) and
refuses the rest ("Security Violation"). Instead of adding the semphys cache to `nltk.data.path`
for good, `WordNet` adds it only while it calls into the reader (`_nltk_trusts`) and removes it
afterwards. The reader opens files at construction, on the first lookup of each part of speech
(after which it keeps the handle open), and at the start of every `all_synsets` pass; all of these
happen inside that window. Code that needs the raw reader uses `WordNet.nltk()`, which opens the
same window.

Sense pairs: `WordNet.sense_pair` picks a lemma's two most frequent senses (WordNet's sense order
follows SemCor tag counts) and accepts them as a pair when they lie in different lexicographer files
and each has an example sentence that uses the lemma, the anchor sentences of the phase-transition
experiments. `ambiguous_nouns` lists every noun that passes, most senses first.
"""

import functools
import itertools
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from semphys.core.errors import UserError
from semphys.data.wordnet_layout import (
    DEBIAN_WORDNET_DIR,
    LEXNAMES,
    layout_fingerprint,
    nltk_wordnet_dir,
)

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import Synset, WordNetCorpusReader

POS_TAGS: tuple[str, ...] = ("n", "v", "a", "r")
"""WordNet's parts of speech as queried: noun, verb, adjective (satellites included), adverb."""


@dataclass(frozen=True)
class Sense:
    """One sense of a lemma: a synset seen from one of its lemmas.

    From `all_synsets` the lemma is the synset's first lemma, and `sense_number` its sense number.
    """

    synset_id: str
    """nltk's synset name, `<first lemma>.<pos>.<sense number of that lemma>`: `bank.n.01`."""
    lemma: str
    """The lemma as the synset spells it (case kept, multi-word lemmas joined by `_`)."""
    pos: str
    """`n`, `v`, `a`, `s` (adjective satellite) or `r`."""
    sense_number: int
    """1-based rank among the lemma's senses of this part of speech (1 = most frequent)."""
    gloss: str
    """The definition."""
    examples: tuple[str, ...]
    """Example sentences (none for most synsets)."""
    lexname: str
    """Lexicographer file, the coarse semantic category: `noun.object`, `verb.motion`, ..."""
    offset: int
    """Byte offset of the synset in `data.<pos>`: with `pos`, the synset's key in WordNet 3.0."""


def mentions(text: str, lemma: str) -> bool:
    """Whether `text` contains `lemma` as a whole word, case-insensitively.

    A multi-word lemma (`ice_cream`) is matched with spaces; `banks` and `embankment` do not
    mention `bank`, `bank's` does.
    """
    words = re.escape(lemma.replace("_", " "))
    return re.search(rf"(?<!\w){words}(?!\w)", text, flags=re.IGNORECASE) is not None


def anchor_sentences(sense: Sense, lemma: str | None = None) -> tuple[str, ...]:
    """The example sentences of `sense` that mention `lemma` (default: `sense.lemma`)."""
    word = sense.lemma if lemma is None else lemma
    return tuple(s for s in sense.examples if mentions(s, word))


def _normalise(lemma: str) -> str:
    """WordNet's index spelling: lower case, spaces as underscores."""
    return "_".join(lemma.strip().lower().split())


def _check_pos(pos: str) -> None:
    if pos not in POS_TAGS:
        raise UserError(f"unknown part of speech {pos!r}: use one of {', '.join(POS_TAGS)}")


@contextmanager
def _nltk_trusts(root: Path) -> Iterator[None]:
    """Let nltk open files under `root` inside the block; `nltk.data.path` is restored after.

    Not thread-safe: another thread reading `nltk.data.path` meanwhile sees `root` on it.
    """
    import nltk.data

    entry = str(root)
    added = entry not in nltk.data.path
    if added:
        nltk.data.path.append(entry)
    try:
        yield
    finally:
        if added:
            nltk.data.path.remove(entry)


def _sense(synset: "Synset", lemma: str, sense_number: int) -> Sense:
    """A `Sense` from an nltk `Synset`."""
    return Sense(
        synset_id=synset.name(),
        lemma=lemma,
        pos=synset.pos(),
        sense_number=sense_number,
        gloss=synset.definition(),
        examples=tuple(synset.examples()),
        lexname=synset.lexname(),
        offset=synset.offset(),
    )


class WordNet:
    """WordNet 3.0 read through nltk; build with `load_wordnet()`.

    Holds the nltk reader, the directory nltk must trust while reading (`nltk_root`) and a
    `fingerprint` of the source files; pairing results are memoised per instance.
    """

    def __init__(self, layout: Path) -> None:
        """`layout`: a `corpora/wordnet` directory as built by `nltk_wordnet_dir`."""
        import warnings

        from nltk.corpus.reader.wordnet import WordNetCorpusReader

        self.nltk_root = layout.parent.parent
        self.fingerprint = layout_fingerprint(layout)
        with self._trusted(), warnings.catch_warnings():
            # No Open Multilingual Wordnet reader: nltk warns that those functions are off.
            warnings.filterwarnings("ignore", message="The multilingual functions")
            self._reader = WordNetCorpusReader(str(layout), None)
        self._pairable: dict[int, tuple[tuple[str, Sense, Sense], ...]] = {}

    def _trusted(self) -> AbstractContextManager[None]:
        return _nltk_trusts(self.nltk_root)

    @contextmanager
    def nltk(self) -> Iterator["WordNetCorpusReader"]:
        """The nltk `WordNetCorpusReader`, usable inside the `with` block (nltk trusts it there)."""
        with self._trusted():
            yield self._reader

    def lexnames(self) -> tuple[str, ...]:
        """The 45 lexicographer file names, indexed by file number (`lex_filenum`)."""
        return tuple(name for name, _ in LEXNAMES)

    def senses(self, lemma: str, pos: str = "n") -> list[Sense]:
        """The senses of `lemma` as part of speech `pos`, most frequent first; [] if none.

        The lemma is looked up as written (case and spaces normalised), not lemmatised: `dogs`
        has no noun senses. WordNet's index ignores case, so `earth` includes `Earth`.
        """
        _check_pos(pos)
        key = _normalise(lemma)
        with self._trusted():
            # nltk also returns the senses of other forms morphy derives (`axes` -> `axis`), and a
            # synset twice when two of its lemmas differ only in case (`Earth`, `earth`): keep the
            # lemma's own senses once each. They come first, in index (frequency) order.
            lemmas = self._reader.lemmas(key, pos)
        found, seen = [], set()
        for lemma_obj in lemmas:
            synset = lemma_obj.synset()
            if lemma_obj.name().lower() == key and synset not in seen:
                seen.add(synset)
                found.append(lemma_obj)
        return [_sense(l.synset(), l.name(), i + 1) for i, l in enumerate(found)]

    def all_synsets(self, pos: str | None = None) -> Iterator[Sense]:
        """Every synset once, as a `Sense` of its first lemma, in `data.<pos>` file order.

        `pos=None`: nouns, verbs, adjectives (with satellites), adverbs: 117,659 synsets.
        """
        if pos is not None:
            _check_pos(pos)
        for tag in POS_TAGS if pos is None else (pos,):
            with self._trusted():
                synsets = self._reader.all_synsets(tag)
                first = next(synsets, None)  # the reader opens `data.<pos>` here
            if first is None:
                continue
            for synset in itertools.chain([first], synsets):
                number = synset.name().rpartition(".")[2]
                yield _sense(synset, synset.lemmas()[0].name(), int(number))

    def sense_pair(self, lemma: str, pos: str = "n", min_examples: int = 1) -> tuple[Sense, Sense]:
        """The two most frequent senses of `lemma`, if they make a sense pair; else `UserError`.

        A pair: the senses lie in different lexicographer files and each has at least
        `min_examples` example sentences mentioning the lemma (`anchor_sentences`). The error
        names the reason a lemma cannot be paired.
        """
        senses = self.senses(lemma, pos)
        problem = _pair_problem(_normalise(lemma), senses, min_examples)
        if problem is not None:
            raise UserError(f"{lemma!r} cannot be paired: {problem}")
        return senses[0], senses[1]

    def ambiguous_nouns(self, n: int, min_examples: int = 1) -> list[tuple[str, Sense, Sense]]:
        """The first `n` single-word nouns that make a sense pair, as (lemma, sense 1, sense 2).

        Order: more noun senses first, then alphabetical. Only alphabetic lemmas (no spaces,
        hyphens or digits) are considered. Raises `UserError` if fewer than `n` nouns qualify.
        """
        if n < 1:
            raise UserError(f"n must be at least 1, got {n}")
        pairs = self._all_pairs(min_examples)
        if n > len(pairs):
            raise UserError(
                f"only {len(pairs)} nouns make a sense pair with min_examples={min_examples}: "
                f"ask for at most {len(pairs)}"
            )
        return list(pairs[:n])

    def _all_pairs(self, min_examples: int) -> tuple[tuple[str, Sense, Sense], ...]:
        """Every pairable single-word noun, ordered as `ambiguous_nouns` returns them."""
        if min_examples < 1:
            raise UserError(f"min_examples must be at least 1, got {min_examples}")
        if min_examples not in self._pairable:
            with self._trusted():
                lemmas = sorted(l for l in self._reader.all_lemma_names("n") if l.isalpha())
            found = []
            for lemma in lemmas:
                senses = self.senses(lemma, "n")
                if _pair_problem(lemma, senses, min_examples) is None:
                    found.append((-len(senses), lemma, senses[0], senses[1]))
            found.sort(key=lambda row: row[:2])
            self._pairable[min_examples] = tuple((l, a, b) for _, l, a, b in found)
        return self._pairable[min_examples]


def _pair_problem(lemma: str, senses: list[Sense], min_examples: int) -> str | None:
    """Why the two most frequent of `senses` (of `lemma`) do not make a sense pair, or None."""
    if min_examples < 1:
        raise UserError(f"min_examples must be at least 1, got {min_examples}")
    if len(senses) < 2:
        return f"it has {len(senses)} sense(s) of this part of speech; a pair needs 2"
    first, second = senses[0], senses[1]
    if first.lexname == second.lexname:
        return f"its two most frequent senses are both {first.lexname}"
    for sense in (first, second):
        found = len(anchor_sentences(sense, lemma))
        if found < min_examples:
            return f"{sense.synset_id} has {found} example sentence(s) containing {lemma!r}, need {min_examples}"
    return None


def load_wordnet(source: Path = DEBIAN_WORDNET_DIR) -> WordNet:
    """WordNet 3.0 from the Debian files in `source`; one `WordNet` per layout directory.

    Builds the nltk layout under the semphys cache on first use (`nltk_wordnet_dir`). Raises
    `UserError` naming `sudo apt-get install wordnet-base wordnet-sense-index` when the data is
    missing.
    """
    layout = nltk_wordnet_dir(Path(source))
    return _wordnet_at(layout, layout_fingerprint(layout))


@functools.lru_cache(maxsize=4)
def _wordnet_at(layout: Path, fingerprint: str) -> WordNet:
    """One reader per layout and content: a rebuilt layout gets a new reader."""
    return WordNet(layout)
