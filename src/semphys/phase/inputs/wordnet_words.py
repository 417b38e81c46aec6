"""Words nobody picked by hand: sense pairs from WordNet 3.0 (`--wordnet N`, or `--words` beyond the built-ins).

For a lemma, `semphys.data.WordNet.sense_pair` gives its two most frequent noun senses when they lie
in different lexicographer files and each has an example sentence using the lemma. From them:

    senses    the lexicographer file names without `noun.` (`object`, `group`); the synset id when
              both would read the same
    anchors   the example sentences that use the lemma (`semphys.data.anchor_sentences`)
    prompts   `neutral` "The <lemma>", and per sense `gloss_<sense>`: "In the sense of <gloss>, the
              <lemma>", the definition placed before the target so a causal model's target sees it;
              the gloss is never an anchor, so no prompt is its own direction
    hints     per sense, the first word of its gloss with four or more letters that is not a common
              function word or the lemma ("sloping", "financial")
    gradient  per sense, the words of its gloss prompt

Few anchors (often one per sense): the bootstrap intervals are then narrow by construction and the
label-shuffle null is empty; the report shows the anchor counts.
"""

import re
from collections.abc import Callable

from semphys.core.errors import UserError
from semphys.data import Sense, WordNet, anchor_sentences, load_wordnet
from semphys.phase.inputs.prompts import Prompt, Skipped, Suite, Word, check_word

_FUNCTION_WORDS = frozenset(
    [
        "that",
        "this",
        "with",
        "from",
        "into",
        "which",
        "their",
        "there",
        "these",
        "those",
        "about",
        "other",
        "than",
        "when",
        "where",
        "what",
        "have",
        "been",
        "being",
        "some",
        "such",
        "very",
        "more",
        "most",
        "also",
        "only",
        "used",
        "especially",
        "something",
        "someone",
        "usually",
        "part",
        "kind",
        "form",
    ]
)


def _label(sense: Sense, other: Sense) -> str:
    label = sense.lexname.split(".", 1)[-1]
    return sense.synset_id if label == other.lexname.split(".", 1)[-1] else label


def _hint(gloss: str, lemma: str) -> str | None:
    for token in re.findall(r"[A-Za-z]+", gloss):
        if len(token) >= 4 and token.lower() not in _FUNCTION_WORDS and token.lower() != lemma.lower():
            return token.lower()
    return None


def gloss_prompt(sense: Sense, lemma: str) -> str:
    """The gloss-context prompt of a sense, "In the sense of <gloss>, the <lemma>": a direction's anchor, never scored."""
    gloss = re.sub(r"\s+", " ", sense.gloss).strip().rstrip(".;")
    return f"In the sense of {gloss}, the {lemma}"


def wordnet_word(wordnet: WordNet, lemma: str) -> Word:
    """A `Word` from the lemma's WordNet sense pair; `UserError` naming why when it cannot be paired."""
    first, second = wordnet.sense_pair(lemma)
    senses = (_label(first, second), _label(second, first))
    anchors = {label: anchor_sentences(sense, lemma) for label, sense in zip(senses, (first, second))}
    prompts = [Prompt("neutral", f"The {lemma}")]
    gradient = {}
    hints = []
    for label, sense in zip(senses, (first, second)):
        text = gloss_prompt(sense, lemma)
        prompts.append(Prompt(f"gloss_{label}", text, label))
        gradient[label] = tuple(text.split())
        hint = _hint(sense.gloss, lemma)
        if hint is not None and hint not in hints:
            hints.append(hint)
    notes = {
        f"sense {label}": f"{sense.synset_id} ({sense.lexname}): {sense.gloss}"
        for label, sense in zip(senses, (first, second))
    }
    word = Word(
        word=lemma,
        senses=senses,
        anchors=anchors,
        prompts=tuple(prompts),
        hints=tuple(hints),
        gradient=gradient,
        source="wordnet",
        notes=notes,
    )
    check_word(word)
    return word


def wordnet_suite(n: int, wordnet: WordNet | None = None) -> Suite:
    """The first `n` pairable nouns of WordNet (`WordNet.ambiguous_nouns`: most senses first)."""
    wordnet = wordnet or load_wordnet()
    words, skipped = [], []
    for lemma, _, _ in wordnet.ambiguous_nouns(n):
        try:
            words.append(wordnet_word(wordnet, lemma))
        except UserError as err:
            skipped.append(Skipped(lemma, str(err)))
    return Suite(words=tuple(words), source=f"wordnet:{n}", skipped=tuple(skipped))


def named_suite(
    names: list[str], builtin: Callable[[str], Word | None], strict: bool = False, wordnet: WordNet | None = None
) -> Suite:
    """Words by name: built-in ones as they are, any other from WordNet.

    A name WordNet cannot pair is an error when it is the only word (or `strict`); otherwise it is
    skipped with the reason.
    """
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise UserError("no word given: --words takes comma-separated words such as bank,bat,crane")
    words, skipped = [], []
    for name in dict.fromkeys(names):
        word = builtin(name)
        if word is None:
            try:
                wordnet = wordnet or load_wordnet()
                word = wordnet_word(wordnet, name)
            except UserError as err:
                if strict or len(names) == 1:
                    raise UserError(f"{err} (not a built-in word either; built-in: bank, bat, crane)") from None
                skipped.append(Skipped(name, str(err)))
                continue
        words.append(word)
    if not words:
        raise UserError("no usable word: " + "; ".join(f"{s.word}: {s.reason}" for s in skipped))
    sources = sorted({w.source for w in words})
    return Suite(words=tuple(words), source="+".join(sources), skipped=tuple(skipped))
