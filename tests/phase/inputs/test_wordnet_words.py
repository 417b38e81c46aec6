"""Words from WordNet: sense pairs become senses, anchors, gloss prompts, hints and gradients."""

import pytest

from semphys.core.errors import UserError
from semphys.data import load_wordnet
from semphys.phase.inputs.builtin import BUILTIN
from semphys.phase.inputs.prompts import check_word
from semphys.phase.inputs.wordnet_words import named_suite, wordnet_suite, wordnet_word


@pytest.fixture(scope="module")
def wordnet():
    return load_wordnet()


def test_bank_from_wordnet(wordnet) -> None:
    word = wordnet_word(wordnet, "bank")
    check_word(word)
    assert word.senses == ("object", "group") and word.source == "wordnet"
    assert "he cashed a check at the bank" in word.anchors["group"]
    labels = [p.label for p in word.prompts]
    assert labels == ["neutral", "gloss_object", "gloss_group"]
    assert word.prompts[1].text.startswith("In the sense of sloping land") and word.prompts[1].text.endswith("the bank")
    assert word.hints == ("sloping", "financial")
    anchors = {a for s in word.senses for a in word.anchors[s]}
    assert not anchors & {p.text for p in word.prompts}


def test_a_word_wordnet_cannot_pair(wordnet) -> None:
    with pytest.raises(UserError, match="'crane' cannot be paired: its two most frequent senses are both noun.person"):
        wordnet_word(wordnet, "crane")
    with pytest.raises(UserError, match="cannot be paired.*not a built-in word either"):
        named_suite(["xyzzy"], BUILTIN.get, wordnet=wordnet)


def test_named_suite_mixes_builtins_and_wordnet_and_skips_with_a_reason(wordnet) -> None:
    suite = named_suite(["bank", "spring", "xyzzy"], BUILTIN.get, wordnet=wordnet)
    assert [w.word for w in suite.words] == ["bank", "spring"] and suite.words[0] is BUILTIN["bank"]
    assert suite.skipped[0].word == "xyzzy" and "0 sense(s)" in suite.skipped[0].reason
    with pytest.raises(UserError, match="xyzzy"):
        named_suite(["bank", "xyzzy"], BUILTIN.get, strict=True, wordnet=wordnet)


class _FirstNouns:
    """WordNet with `ambiguous_nouns` answered from a fixed list (the real one scans every noun, ~12 s,
    and is tested in tests/data); everything else is the real WordNet."""

    def __init__(self, wordnet, lemmas: list[str]) -> None:
        self._wordnet, self._lemmas = wordnet, lemmas

    def ambiguous_nouns(self, n: int):
        return [(lemma, None, None) for lemma in self._lemmas[:n]]

    def __getattr__(self, name: str):
        return getattr(self._wordnet, name)


def test_wordnet_suite_builds_every_listed_noun(wordnet) -> None:
    suite = wordnet_suite(2, _FirstNouns(wordnet, ["head", "line", "point"]))
    assert [w.word for w in suite.words] == ["head", "line"] and suite.source == "wordnet:2"
    assert suite.words[0].senses == ("body", "animal") and suite.words[0].anchors["animal"] == ("200 head of cattle",)
