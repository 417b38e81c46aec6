"""Test items of the held-out sense readout (spec 001 §1 at WordNet scale): WordNet words, their senses, real sentences.

For each lemma of a part of speech, the classes are its *lexicographer files* (coarse senses:
`noun.artifact`, `noun.group`, ...). A class holds every sense of the lemma in that file; its
**test items** are the WordNet example sentences of those senses that contain the lemma as a whole
word (`semphys.data.mentions`). A word is usable when at least two classes have an item. Classes are
ordered by their most frequent sense (WordNet's sense order): A is the first, B the second.

Directions come only from text that is never scored:
    gloss  per class, the gloss-context prompts "In the sense of <gloss>, the <lemma>" of its senses
           (spec 001 exp. 1's anchor made from the definition); their mean vector is the direction
    loo    leave-one-out: for the item under test, its own class's direction is the mean of the
           *other* items of that class, every other class's the mean of all its items. Only classes
           with two or more items take part; a word needs two such classes.

A prompts file gives the same shape (`readout_prompts`): a word's two senses are its classes, the
anchors stand where the glosses stand, the sense-declared prompts are the items.

Deviation from spec 001: the spec pairs two hand-picked senses; here every lexicographer file with
an example is a class (K-way), and the spec's sigma is the A-vs-B readout of the two most frequent.

Causal-blind items (`causal_blind`): in a causal model the target sees only the words before it;
when those are all closed-class words ("The bank was ...") nothing before the target can
disambiguate it. Such items are counted apart for causal models, never mixed into the main figures.
"""

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import semphys.data.wordnet
import semphys.phase.inputs.wordnet_words
from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.paths import cache_dir
from semphys.data import Sense, WordNet, load_wordnet, mentions
from semphys.data.wordnet_layout import DEBIAN_WORDNET_DIR, layout_fingerprint, nltk_wordnet_dir
from semphys.phase.inputs.prompts import Skipped
from semphys.phase.inputs.wordnet_words import gloss_prompt

PARTS_OF_SPEECH: tuple[str, ...] = ("n", "v", "a")
"""`--pos` values: nouns, verbs, adjectives (WordNet's satellites included with `a`)."""

CLOSED_CLASS = frozenset(
    "a an the this that these those my your his her its our their some any no every each all both either neither "
    "i you he she it we they me him us them one there here what which who whom whose "
    "is am are was were be been being has have had do does did will would shall should can could may might must "
    "not and or but if so as of in on at by for with from to into onto about over under after before up down out "
    "off than then".split()
)
"""Words that cannot disambiguate a noun on their own: articles, pronouns, auxiliaries, prepositions."""


@dataclass(frozen=True)
class SenseClass:
    """One lexicographer file of a word: its senses' glosses and its test sentences."""

    lexname: str
    """`noun.artifact`: the class label (for a prompts file, the sense label)."""
    synsets: tuple[str, ...]
    """The word's senses in this file, most frequent first (empty for a prompts file)."""
    glosses: tuple[str, ...]
    """Gloss-context prompts of those senses (never scored): the `gloss` design's direction. For a
    prompts file, the sense's anchor sentences."""
    items: tuple[str, ...]
    """Example sentences containing the lemma (for a prompts file, the prompts declaring the sense): the test items."""


@dataclass(frozen=True)
class ReadoutWord:
    """An ambiguous word with two or more classes that have test items."""

    lemma: str
    pos: str
    """WordNet part of speech; empty for a word of a prompts file."""
    classes: tuple[SenseClass, ...]
    """Ordered by most frequent sense: classes[0] is A, classes[1] is B."""

    @property
    def key(self) -> str:
        """`bank.n`: unique over parts of speech; the bare word for a prompts file."""
        return f"{self.lemma}.{self.pos}" if self.pos else self.lemma

    def items(self) -> list[tuple[int, str]]:
        """Every test item as (class index, sentence), class by class."""
        return [(k, sentence) for k, cls in enumerate(self.classes) for sentence in cls.items]

    def loo_classes(self) -> list[int]:
        """Indices of the classes with two or more items (the `loo` design's classes)."""
        return [k for k, cls in enumerate(self.classes) if len(cls.items) >= 2]


@dataclass(frozen=True)
class ReadoutItems:
    """The words of a readout and the candidates skipped, each with the reason."""

    words: tuple[ReadoutWord, ...]
    skipped: tuple[Skipped, ...]
    source: str
    """`wordnet:all:n`, `wordnet:200:n,v`, `prompts:<file name>`."""
    unscored: tuple[Skipped, ...] = ()
    """Prompts of a prompts file that are read but not scored, one entry each with the reason."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ReadoutItems":
        words = tuple(
            ReadoutWord(
                w["lemma"],
                w["pos"],
                tuple(
                    SenseClass(c["lexname"], tuple(c["synsets"]), tuple(c["glosses"]), tuple(c["items"]))
                    for c in w["classes"]
                ),
            )
            for w in data["words"]
        )

        def listed(key: str) -> tuple[Skipped, ...]:
            return tuple(Skipped(s["word"], s["reason"]) for s in data[key])

        return cls(words, listed("skipped"), data["source"], listed("unscored"))


def causal_blind(sentence: str, lemma: str) -> bool:
    """Whether every word before the first occurrence of `lemma` is closed-class (or there is none)."""
    match = re.search(rf"(?<!\w){re.escape(lemma)}(?!\w)", sentence, flags=re.IGNORECASE)
    if match is None:
        raise UserError(f"target word {lemma!r} not in {sentence!r}")
    before = re.findall(r"[A-Za-z']+", sentence[: match.start()])
    return all(word.lower().strip("'") in CLOSED_CLASS for word in before)


def _candidates(wordnet: WordNet, pos: str) -> dict[str, int]:
    """Single-word lemmas with at least one example sentence that contains them -> number of synsets."""
    counts: dict[str, int] = defaultdict(int)
    with_example: set[str] = set()
    with wordnet.nltk() as reader:
        for synset in reader.all_synsets(pos):
            examples = synset.examples()
            for name in synset.lemma_names():
                if not name.isalpha():
                    continue
                key = name.lower()
                counts[key] += 1
                if any(mentions(example, key) for example in examples):
                    with_example.add(key)
    return {lemma: counts[lemma] for lemma in with_example}


def readout_word(senses: list[Sense], lemma: str, pos: str) -> ReadoutWord | Skipped:
    """The word's classes from its senses, or `Skipped` naming why it cannot be read out."""
    grouped: dict[str, list[Sense]] = defaultdict(list)
    for sense in senses:
        grouped[sense.lexname].append(sense)
    classes = []
    for lexname, members in grouped.items():
        items = tuple(dict.fromkeys(s for sense in members for s in sense.examples if mentions(s, lemma)))
        if items:
            classes.append(
                SenseClass(
                    lexname, tuple(m.synset_id for m in members), tuple(gloss_prompt(m, lemma) for m in members), items
                )
            )
    key = f"{lemma}.{pos}"
    if len(classes) < 2:
        files = ", ".join(c.lexname for c in classes) or "none"
        return Skipped(
            key,
            f"example sentences containing {lemma!r} in {len(classes)} lexicographer file(s) "
            f"({files}); a readout needs 2",
        )
    return ReadoutWord(lemma, pos, tuple(classes))


def wordnet_items(
    pos: tuple[str, ...] = ("n",), limit: int | None = None, wordnet: WordNet | None = None
) -> ReadoutItems:
    """Usable words of each part of speech, most senses first, then alphabetical; `limit` per part of speech.

    Candidates are the single-word lemmas with at least one example sentence containing them; the
    ones with items in fewer than two lexicographer files are skipped with that reason (the many
    ambiguous lemmas without any such example are not candidates and are not listed).
    """
    for tag in pos:
        if tag not in PARTS_OF_SPEECH:
            raise UserError(f"unknown part of speech {tag!r}: use n, v or a (comma-separated)")
    if limit is not None and limit < 1:
        raise UserError(f"--wordnet must be at least 1, got {limit}")
    wordnet = wordnet or load_wordnet()
    words: list[ReadoutWord] = []
    skipped: list[Skipped] = []
    for tag in pos:
        candidates = _candidates(wordnet, tag)
        order = sorted(candidates, key=lambda lemma: (-candidates[lemma], lemma))
        found = 0
        for lemma in order:
            if limit is not None and found >= limit:
                break
            result = readout_word(wordnet.senses(lemma, tag), lemma, tag)
            if isinstance(result, Skipped):
                skipped.append(result)
            else:
                words.append(result)
                found += 1
    if not words:
        raise UserError("no usable word: " + "; ".join(f"{s.word}: {s.reason}" for s in skipped[:3]))
    amount = "all" if limit is None else str(limit)
    return ReadoutItems(tuple(words), tuple(skipped), f"wordnet:{amount}:{','.join(pos)}")


_EXTRACTION_CODE = (
    Path(__file__),
    Path(semphys.phase.inputs.wordnet_words.__file__),
    Path(semphys.data.wordnet.__file__),
)
"""The source files that decide what `wordnet_items` finds: a change to any of them misses the cache."""


def cached_wordnet_items(
    pos: tuple[str, ...] = ("n",), limit: int | None = None, source: Path = DEBIAN_WORDNET_DIR, root: Path | None = None
) -> ReadoutItems:
    """`wordnet_items` on the WordNet in `source`, kept as JSON under `<cache>/data/readout-items`.

    The scan reads every synset through nltk (~20-30 s here: the reader's start-up and `all_synsets`);
    a cached list is read in well under a second. The key covers the parts of speech, the limit, the
    WordNet layout's fingerprint and the extraction code itself, so a changed WordNet or a changed
    rule never reads a stale list; an unreadable or mismatched file is rebuilt.
    """
    fingerprint = layout_fingerprint(nltk_wordnet_dir(Path(source)))
    code = hashlib.sha256(b"".join(path.read_bytes() for path in _EXTRACTION_CODE)).hexdigest()
    key = {"pos": list(pos), "limit": limit, "wordnet": fingerprint, "code": code}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    path = (root or cache_dir("data", "readout-items")) / f"{digest}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return ReadoutItems.from_dict(stored["items"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    items = wordnet_items(pos, limit, load_wordnet(Path(source)))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"key": key, "items": items.to_dict()}))
    return items
