"""The inputs of the suite: ambiguous words, their senses, anchors, prompts, hints and gradients.

A `Word` is everything spec 001 needs for one ambiguous word: two sense labels (sense A first; sigma > 0
leans to A), anchor sentences per sense (exp. 1 direction vectors, averaged), prompts with an
optional declared sense (exp. 1-3), hint words (exp. 4) and context-gradient word lists (exp. 5).
`check_word` enforces what the experiments rely on; `Suite` is the words of one run plus the words
skipped on the way, with the reason (never a silent drop).

Where a target sits matters in a causal model: the target's residual vector sees only the text
before it. `visible_context` gives that text; a prompt whose visible context is the same as another
prompt's has, in a causal model, the same sigma at the target, whatever follows.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from semphys.core.errors import UserError


@dataclass(frozen=True)
class Prompt:
    """One prompt of exp. 1: a label, the text, and the declared sense (None when ambiguous)."""

    label: str
    text: str
    sense: str | None = None

    @property
    def strength(self) -> str:
        """`strong`, `weak` or `neutral` from the label's first part, else `declared`/`ambiguous`."""
        head = self.label.split("_", 1)[0].lower()
        if head in ("strong", "weak", "neutral"):
            return head
        return "declared" if self.sense is not None else "ambiguous"


@dataclass(frozen=True)
class Word:
    """One ambiguous word and its prompt material (spec 001, exp. 1-5)."""

    word: str
    """The target word, found in every sentence as a whole word (case-insensitive fallback)."""
    senses: tuple[str, str]
    """Sense labels (A, B): sigma > 0 leans to A."""
    anchors: Mapping[str, tuple[str, ...]]
    """Sense label -> sentences whose target has that sense; their mean vector is the direction."""
    prompts: tuple[Prompt, ...]
    hints: tuple[str, ...] = ()
    """Exp. 4 hint words; each is prepended to the base prompt (`PhaseConfig.hint_template`)."""
    gradient: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Exp. 5: sense label -> a sentence as a word list containing the target (see `diagram`)."""
    source: str = "builtin"
    """Where the word came from: `builtin`, `file:<path>` or `wordnet`."""
    notes: Mapping[str, str] = field(default_factory=dict)
    """Free-form facts shown in the report (WordNet synsets and glosses, additions to the spec)."""

    @property
    def hint_base(self) -> Prompt:
        """The prompt hints perturb: the one labelled `neutral`, else the first without a sense."""
        for prompt in self.prompts:
            if prompt.label == "neutral":
                return prompt
        return next((p for p in self.prompts if p.sense is None), self.prompts[0])


@dataclass(frozen=True)
class Skipped:
    """A word left out of a multi-word run, and why (shown in the report and results.json)."""

    word: str
    reason: str


@dataclass(frozen=True)
class Suite:
    """The words of one run and the words skipped while building it."""

    words: tuple[Word, ...]
    source: str
    """`builtin`, `file:<path>` or `wordnet:<N>`."""
    skipped: tuple[Skipped, ...] = ()


def mentions_word(text: str, word: str) -> bool:
    """Whether `word` occurs in `text` as a whole word (as `semphys.lm.find_word` will find it)."""
    pattern = rf"(?<!\w){re.escape(word)}(?!\w)"
    return re.search(pattern, text) is not None or re.search(pattern, text, re.IGNORECASE) is not None


def visible_context(text: str, word: str) -> str:
    """The text up to and including the first occurrence of `word`: all a causal model's target sees."""
    pattern = rf"(?<!\w){re.escape(word)}(?!\w)"
    match = re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)
    if match is None:
        raise UserError(f"target word {word!r} not in {text!r}")
    return text[: match.end()]


def check_word(word: Word) -> None:
    """Raise `UserError` (one line, naming the word and the problem) unless `word` is usable.

    Checks: two distinct sense labels; at least one anchor per sense and none for other labels;
    at least one prompt; unique prompt labels; declared senses among the labels; the target in every
    anchor, prompt and gradient list; hints that do not contain the target (they would move it).
    """
    name = word.word
    if not name.strip() or name != name.strip():
        raise UserError(f"word {name!r}: the target must be a non-empty word without surrounding spaces")
    if len(word.senses) != 2 or word.senses[0] == word.senses[1]:
        raise UserError(f"word {name!r}: give exactly two different sense labels, got {list(word.senses)}")
    allowed = ", ".join(word.senses)
    for sense in word.anchors:
        if sense not in word.senses:
            raise UserError(f"word {name!r}: anchors for unknown sense {sense!r}; allowed: {allowed}")
    for sense in word.senses:
        sentences = word.anchors.get(sense, ())
        if not sentences:
            raise UserError(f"word {name!r}: sense {sense!r} has no anchor sentences; give at least one")
        for sentence in sentences:
            _require_target(name, sentence, f"anchor of sense {sense!r}")
    if not word.prompts:
        raise UserError(f"word {name!r}: no prompts; give at least one")
    labels = [p.label for p in word.prompts]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise UserError(f"word {name!r}: prompt label(s) {', '.join(repeated)} used twice; labels must be unique")
    for prompt in word.prompts:
        if not prompt.label.strip():
            raise UserError(f"word {name!r}: a prompt has an empty label")
        if prompt.sense is not None and prompt.sense not in word.senses:
            raise UserError(
                f"word {name!r}: prompt {prompt.label!r} declares unknown sense {prompt.sense!r}; "
                f"allowed: {allowed}, or omit it"
            )
        _require_target(name, prompt.text, f"prompt {prompt.label!r}")
    for hint in word.hints:
        if not hint.strip():
            raise UserError(f"word {name!r}: empty hint word")
        if mentions_word(hint, name):
            raise UserError(f"word {name!r}: hint {hint!r} contains the target word; hints must not")
    for sense, words in word.gradient.items():
        if sense not in word.senses:
            raise UserError(f"word {name!r}: gradient for unknown sense {sense!r}; allowed: {allowed}")
        if not any(_same_word(w, name) for w in words):
            raise UserError(f"word {name!r}: gradient of sense {sense!r} does not contain the target word")


def _same_word(token: str, word: str) -> bool:
    return token.strip(".,;:!?\"'()").lower() == word.lower()


def _require_target(name: str, text: str, what: str) -> None:
    if not text.strip():
        raise UserError(f"word {name!r}: {what} is empty")
    if not mentions_word(text, name):
        raise UserError(f"word {name!r}: {what} {text!r} does not contain the target word {name!r}")
