"""`--prompts FILE`: words, senses, anchors, prompts, hints and gradients from YAML or JSON.

    words:
      bank:
        senses: [finance, river]            # sense A, sense B (sigma > 0 leans to A)
        anchors:                            # one or more sentences per sense, each containing the word
          finance: ["I deposited money at the bank", "..."]
          river: ["I sat by the river bank", "..."]
        prompts:                            # sense is optional: A, B, or omitted when ambiguous
          - {label: neutral, text: "The bank"}
          - {label: strong_finance, text: "She deposited her savings at the bank", sense: finance}
        hints: [money, fish]                # optional (exp. 4)
        gradient:                           # optional (exp. 5): a word list, or one sentence
          finance: [She, went, to, the, bank, with, her, paycheck]

JSON with the same structure works too (JSON is read as YAML, which contains it).

Errors name the file, the line and the key: `p.yaml:12: words.bank.prompts[1].sense: unknown sense
'money'; allowed: finance, river`. A malformed file (syntax, a list where a mapping belongs, a
missing or unknown key) is always an error. A word whose content cannot be used (a sentence without
the target word, a sense without anchors, an unknown sense label, repeated prompt labels) is an
error when the file holds one word; with several words it is skipped and reported (`Suite.skipped`),
unless `strict=True`.
"""

import unicodedata
from pathlib import Path

from yaml.nodes import Node, ScalarNode, SequenceNode

from semphys.core.errors import UserError
from semphys.core.io import read_user_text
from semphys.core.yamlnodes import NodeReader, compose, node_kind
from semphys.phase.inputs.prompts import (
    Prompt,
    Skipped,
    Suite,
    Word,
    check_word,
    mentions_word,
)

WORD_KEYS = ("senses", "anchors", "prompts", "hints", "gradient")
REQUIRED_KEYS = ("senses", "anchors", "prompts")
PROMPT_KEYS = ("label", "text", "sense")


class _Content(Exception):
    """A word-level problem: the word can be skipped in a multi-word file."""


class _Reader(NodeReader):
    """`NodeReader` that can also report a word-level (skippable) problem."""

    def content(self, node: Node, path: str, problem: str) -> _Content:
        return _Content(f"{self.where(node, path)}: {problem}")


def _word(reader: _Reader, name: str, node: Node, source: str) -> Word:
    path = f"words.{name}"
    entries = reader.mapping(node, path, WORD_KEYS, REQUIRED_KEYS)
    senses_node = entries["senses"][1]
    senses = [value for _, value in reader.strings(senses_node, f"{path}.senses")]
    if len(senses) != 2 or senses[0] == senses[1]:
        raise reader.content(senses_node, f"{path}.senses", f"give exactly two different sense labels, got {senses}")
    allowed = ", ".join(senses)

    anchors: dict[str, tuple[str, ...]] = {}
    anchors_node = entries["anchors"][1]
    for sense, (key_node, value_node) in reader.free_mapping(anchors_node, f"{path}.anchors").items():
        key_path = f"{path}.anchors.{sense}"
        if sense not in senses:
            raise reader.content(key_node, key_path, f"unknown sense {sense!r}; allowed: {allowed}")
        sentences = reader.strings(value_node, key_path)
        for i, (item, sentence) in enumerate(sentences):
            if not mentions_word(sentence, name):
                raise reader.content(
                    item, f"{key_path}[{i}]", f"{sentence!r} does not contain the target word {name!r}"
                )
        anchors[sense] = tuple(s for _, s in sentences)
    for sense in senses:
        if not anchors.get(sense):
            raise reader.content(
                anchors_node, f"{path}.anchors", f"sense {sense!r} has no anchor sentences; give at least one"
            )

    prompts = []
    prompts_node = entries["prompts"][1]
    if not isinstance(prompts_node, SequenceNode):
        raise reader.fail(
            prompts_node, f"{path}.prompts", f"expected a list of {{label, text, sense}}, got {node_kind(prompts_node)}"
        )
    labels: set[str] = set()
    for i, item in enumerate(prompts_node.value):
        item_path = f"{path}.prompts[{i}]"
        fields = reader.mapping(item, item_path, PROMPT_KEYS, ("label", "text"))
        label = reader.scalar(fields["label"][1], f"{item_path}.label")
        text = reader.scalar(fields["text"][1], f"{item_path}.text")
        sense = None
        if "sense" in fields and not fields["sense"][1].tag.endswith(":null"):
            sense = reader.scalar(fields["sense"][1], f"{item_path}.sense")
            if sense not in senses:
                raise reader.content(
                    fields["sense"][1],
                    f"{item_path}.sense",
                    f"unknown sense {sense!r}; allowed: {allowed}, or leave it out",
                )
        if label in labels:
            raise reader.content(fields["label"][1], f"{item_path}.label", f"label {label!r} used twice")
        if not mentions_word(text, name):
            raise reader.content(
                fields["text"][1], f"{item_path}.text", f"{text!r} does not contain the target word {name!r}"
            )
        labels.add(label)
        prompts.append(Prompt(label, text, sense))
    if not prompts:
        raise reader.content(prompts_node, f"{path}.prompts", "no prompts; give at least one")

    hints: list[str] = []
    if "hints" in entries:
        for i, (item, hint) in enumerate(reader.strings(entries["hints"][1], f"{path}.hints")):
            if mentions_word(hint, name):
                raise reader.content(item, f"{path}.hints[{i}]", f"hint {hint!r} contains the target word")
            hints.append(hint)

    gradient: dict[str, tuple[str, ...]] = {}
    if "gradient" in entries:
        for sense, (key_node, value_node) in reader.free_mapping(entries["gradient"][1], f"{path}.gradient").items():
            key_path = f"{path}.gradient.{sense}"
            if sense not in senses:
                raise reader.content(key_node, key_path, f"unknown sense {sense!r}; allowed: {allowed}")
            if isinstance(value_node, ScalarNode):
                words = reader.scalar(value_node, key_path).split()
            else:
                words = [w for _, w in reader.strings(value_node, key_path)]
            if not mentions_word(" ".join(words), name):
                raise reader.content(value_node, key_path, f"does not contain the target word {name!r}")
            gradient[sense] = tuple(words)

    word = Word(
        word=name,
        senses=(senses[0], senses[1]),
        anchors=anchors,
        prompts=tuple(prompts),
        hints=tuple(hints),
        gradient=gradient,
        source=source,
    )
    try:
        check_word(word)
    except UserError as err:
        raise reader.content(node, path, str(err)) from None
    return word


def parse_prompts(text: str, name: str = "<prompts>", strict: bool = False) -> Suite:
    """Parse the text of a prompts file (see the module docstring); `name` is used in messages."""
    text = unicodedata.normalize("NFC", text)  # `café` typed or pasted in either form names one word
    root = compose(text, name)
    if root is None:
        raise UserError(f"{name}: empty file; expected a mapping with key 'words'")
    reader = _Reader(name)
    top = reader.mapping(root, "<top>", ("words",), ("words",))
    words_node = top["words"][1]
    entries = reader.free_mapping(words_node, "words")
    if not entries:
        raise reader.fail(words_node, "words", "no words; give at least one")
    source = f"file:{name}"
    words, skipped = [], []
    for word_name, (key_node, value_node) in entries.items():
        if word_name != word_name.strip() or " " in word_name.strip():
            raise reader.fail(key_node, f"words.{word_name}", "a word must be a single word without spaces")
        try:
            words.append(_word(reader, word_name, value_node, source))
        except _Content as problem:
            if strict or len(entries) == 1:
                raise UserError(str(problem)) from None
            skipped.append(Skipped(word_name, str(problem)))
    if not words:
        raise UserError(f"{name}: no usable word; " + "; ".join(s.reason for s in skipped))
    return Suite(words=tuple(words), source=source, skipped=tuple(skipped))


def load_prompts(path: Path, strict: bool = False) -> Suite:
    """Read and parse a prompts file (YAML or JSON)."""
    path = Path(path)
    return parse_prompts(read_user_text(path, "prompts file", "give a YAML or JSON file"), str(path), strict)
