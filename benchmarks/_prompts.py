"""The fixed prompt set of the capture benchmarks: real English text of varied length, one target word each.

Four parts, in this order (nothing is random; the same files give the same set, whose sha256
`fingerprint` every result records):

A. spec 001's ambiguous prompts (15): bank / bat / crane, each neutral, weakly and strongly
   disambiguated ("The bank", ..., "The fish swam near the muddy bank of the river").
B. spec 001's context gradient for `bank` (18): the growing prefixes of its finance and river word
   lists that already contain "bank" ("She went to the bank", ..., 13 words).
C. WordNet 3.0 example sentences (`ANCHOR_COUNT`): for each lemma of `LEMMAS` in turn, its noun senses
   in WordNet's sense order, each example sentence that contains the lemma as a whole word
   (spec 001's anchor sentences); taken round-robin over the lemmas, one sentence per lemma per
   round, so that no lemma dominates.
D. WordNet gloss lines (`GLOSS_COUNT`): a synset's whole gloss field as WordNet prints it,
   definition then quoted examples ("sloping land (especially the slope beside a body of water);
   "they pulled the canoe up on the bank"; ..."), for synsets whose examples mention the lemma and
   whose gloss field has 12 to 30 words; round-robin over the lemmas as in C. These supply the
   longer prompts (about 20 to 40 tokens).

Targets are the lemma; `capture_residuals` finds its first whole-word occurrence.
With Gemma's tokenizer the set has 128 prompts of 3 to about 40 tokens (BOS included); the
benchmark prints the exact distribution.

WordNet is read with `semphys.data.load_wordnet` when that imports, else straight from Debian's
`/usr/share/wordnet/{index,data}.noun` (same sense order, same example parsing as nltk); both give
the same set.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

SPEC001_AMBIGUOUS: tuple[tuple[str, str], ...] = (
    ("The bank", "bank"),
    ("She went to the bank to", "bank"),
    ("He walked along the bank near", "bank"),
    ("She deposited her savings at the bank", "bank"),
    ("The fish swam near the muddy bank of the river", "bank"),
    ("The bat", "bat"),
    ("The bat flew through", "bat"),
    ("He swung the bat at", "bat"),
    ("The bat hung upside down in the dark cave", "bat"),
    ("The baseball player picked up his wooden bat", "bat"),
    ("The crane", "crane"),
    ("The crane stood in the shallow", "crane"),
    ("The crane lifted the heavy", "crane"),
    ("The white crane flew gracefully over the wetlands", "crane"),
    ("The construction crane lifted steel beams to the roof", "crane"),
)
"""Spec 001, step 2."""

SPEC001_GRADIENT_WORDS: tuple[tuple[str, ...], ...] = (
    ("She", "went", "to", "the", "bank", "with", "her", "paycheck", "to", "deposit", "her", "monthly", "savings"),
    ("He", "walked", "along", "the", "bank", "of", "the", "winding", "river", "watching", "the", "fish", "swim"),
)
"""Spec 001, phase diagram: the finance and river context word lists."""

LEMMAS: tuple[str, ...] = (
    "bank", "bat", "bow", "club", "court", "date", "match", "pitch", "plant", "spring", "seal", "mouse",
    "key", "light", "letter", "note", "line", "record", "ring", "scale", "table", "base", "bar", "case",
    "charge", "check", "cast", "field", "game", "head", "lead", "organ", "party", "post", "press", "race",
    "rock", "rule", "sign", "space", "stock", "suit", "tie", "trunk", "wave", "yard",
)  # fmt: skip
"""Ambiguous English nouns, most with senses in different lexicographer files."""

ANCHOR_COUNT = 71
GLOSS_COUNT = 24
GLOSS_WORDS = (12, 30)


@dataclass(frozen=True)
class PromptSet:
    prompts: tuple[str, ...]
    targets: tuple[str, ...]
    parts: tuple[str, ...]
    """Which part (A, B, C, D) each prompt comes from."""
    wordnet_source: str

    @property
    def fingerprint(self) -> str:
        """sha256 of the prompts and targets: equal fingerprints, equal sets."""
        text = json.dumps([self.prompts, self.targets], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def __len__(self) -> int:
        return len(self.prompts)


def capture_prompt_set() -> PromptSet:
    """The benchmark's prompt set (see the module docstring)."""
    rows: list[tuple[str, str, str]] = [(p, t, "A") for p, t in SPEC001_AMBIGUOUS]
    for words in SPEC001_GRADIENT_WORDS:
        start = words.index("bank") + 1
        rows += [(" ".join(words[:end]), "bank", "B") for end in range(start, len(words) + 1)]
    senses, source = _wordnet_noun_senses(LEMMAS)
    rows += [(s, lemma, "C") for s, lemma in _anchor_sentences(senses)[:ANCHOR_COUNT]]
    rows += [(g, lemma, "D") for g, lemma in _gloss_lines(senses)[:GLOSS_COUNT]]
    prompts, targets, parts = zip(*rows)
    return PromptSet(prompts=prompts, targets=targets, parts=parts, wordnet_source=source)


# A sense as the prompt set needs it: (definition, examples).
_Sense = tuple[str, tuple[str, ...]]


def _mentions(text: str, lemma: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(lemma)}(?!\w)", text, flags=re.IGNORECASE) is not None


def _round_robin(queues: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(text, lemma) pairs: the first text of every lemma, then the second of every lemma, ..."""
    out: list[tuple[str, str]] = []
    for round_ in range(max(map(len, queues.values()))):
        out += [(queue[round_], lemma) for lemma, queue in queues.items() if round_ < len(queue)]
    return out


def _anchor_sentences(senses: dict[str, list[_Sense]]) -> list[tuple[str, str]]:
    return _round_robin(
        {
            lemma: [e for _, examples in found for e in examples if _mentions(e, lemma)]
            for lemma, found in senses.items()
        }
    )


def _gloss_lines(senses: dict[str, list[_Sense]]) -> list[tuple[str, str]]:
    queues: dict[str, list[str]] = {}
    for lemma, found in senses.items():
        queues[lemma] = []
        for definition, examples in found:
            line = "; ".join([definition] + [f'"{e}"' for e in examples])
            if any(_mentions(e, lemma) for e in examples) and GLOSS_WORDS[0] <= len(line.split()) <= GLOSS_WORDS[1]:
                queues[lemma].append(line)
    return _round_robin(queues)


def _wordnet_noun_senses(lemmas: tuple[str, ...]) -> tuple[dict[str, list[_Sense]], str]:
    """Each lemma's noun senses in WordNet sense order, as (definition, examples)."""
    try:
        from semphys.data import load_wordnet
    except ImportError:
        return _read_debian_wordnet(lemmas), "/usr/share/wordnet (read directly)"
    wordnet = load_wordnet()
    return {lemma: [(s.gloss, s.examples) for s in wordnet.senses(lemma, "n")] for lemma in lemmas}, (
        "semphys.data.load_wordnet"
    )


def _read_debian_wordnet(lemmas: tuple[str, ...], root: Path = Path("/usr/share/wordnet")) -> dict[str, list[_Sense]]:
    """Senses from `index.noun` (offsets in sense order) and `data.noun` (gloss field), as nltk parses them."""
    wanted = set(lemmas)
    offsets: dict[str, list[int]] = {}
    with open(root / "index.noun", encoding="utf-8") as index:
        for line in index:
            fields = line.split()
            if line.startswith(" ") or fields[0] not in wanted:
                continue
            n_synsets, n_pointers = int(fields[2]), int(fields[3])
            offsets[fields[0]] = [int(o) for o in fields[6 + n_pointers : 6 + n_pointers + n_synsets]]
    senses: dict[str, list[_Sense]] = {}
    with open(root / "data.noun", "rb") as data:
        for lemma in lemmas:
            senses[lemma] = []
            for offset in offsets.get(lemma, []):
                data.seek(offset)
                gloss = data.readline().decode("utf-8").strip().split("|", 1)[1]
                definition = re.sub(r"[\"].*?[\"]", "", gloss).strip().strip("; ")
                senses[lemma].append((definition, tuple(re.findall(r'"([^"]*)"', gloss))))
    return senses
