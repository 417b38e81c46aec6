"""semphys.phase.readout.items: WordNet test items by lexicographer file, causal-blind items."""

import pytest

from semphys.core.errors import UserError
from semphys.data import Sense
from semphys.phase.inputs.prompts import Skipped
from semphys.phase.readout.items import (
    ReadoutItems,
    ReadoutWord,
    cached_wordnet_items,
    causal_blind,
    readout_word,
    wordnet_items,
)


def sense(synset: str, lexname: str, examples: tuple[str, ...], gloss: str = "a thing") -> Sense:
    return Sense(
        synset_id=synset,
        lemma="bank",
        pos="n",
        sense_number=1,
        gloss=gloss,
        examples=examples,
        lexname=lexname,
        offset=0,
    )


def test_senses_of_one_lexicographer_file_make_one_class_with_all_their_items():
    word = readout_word(
        [
            sense("bank.n.01", "noun.object", ("they pulled the canoe up on the bank",)),
            sense("bank.n.02", "noun.group", ("he cashed a check at the bank",)),
            sense("bank.n.03", "noun.object", ("a bank of snow", "no mention here")),
            sense("bank.n.04", "noun.act", ()),
        ],
        "bank",
        "n",
    )
    assert isinstance(word, ReadoutWord)
    assert [c.lexname for c in word.classes] == ["noun.object", "noun.group"]
    assert word.classes[0].items == ("they pulled the canoe up on the bank", "a bank of snow")
    assert word.classes[0].synsets == ("bank.n.01", "bank.n.03")
    assert word.classes[0].glosses == ("In the sense of a thing, the bank",) * 2
    assert word.loo_classes() == [0]
    assert word.items()[2] == (1, "he cashed a check at the bank")


def test_a_word_with_items_in_one_file_is_skipped_with_the_reason():
    result = readout_word(
        [sense("bank.n.01", "noun.object", ("the bank",)), sense("bank.n.02", "noun.group", ())], "bank", "n"
    )
    assert isinstance(result, Skipped)
    assert result.word == "bank.n" and "1 lexicographer file(s) (noun.object)" in result.reason


@pytest.mark.parametrize(
    "sentence, blind",
    [
        ("The bank was closed", True),
        ("bank holidays are fun", True),
        ("He sat on the bank", False),
        ("It is in the bank", True),
        ("The river bank flooded", False),
        ("she deposited it in the bank", False),
    ],
)
def test_causal_blind_means_only_closed_class_words_before_the_target(sentence, blind):
    assert causal_blind(sentence, "bank") is blind


def test_causal_blind_refuses_a_sentence_without_the_target():
    with pytest.raises(UserError, match="not in"):
        causal_blind("no such word", "bank")


def test_unknown_part_of_speech_and_bad_limit_are_refused_before_wordnet_is_read():
    with pytest.raises(UserError, match="unknown part of speech 'x'"):
        wordnet_items(("x",), wordnet=object())
    with pytest.raises(UserError, match="at least 1"):
        wordnet_items(("n",), 0, wordnet=object())


def _tiny_items(pos, limit, wordnet):
    word = readout_word(
        [
            sense("bank.n.01", "noun.group", ("the bank raised rates",)),
            sense("bank.n.02", "noun.object", ("we sat on the bank",)),
        ],
        "bank",
        "n",
    )
    return ReadoutItems((word,), (Skipped("bat.n", "one file"),), f"wordnet:{limit}:{','.join(pos)}")


def test_cached_items_are_read_back_equal_and_the_key_separates_settings(tmp_path, monkeypatch):
    import semphys.phase.readout.items as module

    calls = []
    monkeypatch.setattr(module, "load_wordnet", lambda source: None)
    monkeypatch.setattr(
        module, "wordnet_items", lambda pos, limit, wordnet: calls.append(limit) or _tiny_items(pos, limit, wordnet)
    )
    first = cached_wordnet_items(("n",), 5, root=tmp_path)
    again = cached_wordnet_items(("n",), 5, root=tmp_path)
    assert again == first and calls == [5]  # the second call is a cache hit, equal field by field
    cached_wordnet_items(("n",), 6, root=tmp_path)
    assert calls == [5, 6]  # another limit is another entry
    for path in tmp_path.iterdir():
        path.write_text("{not json")
    assert cached_wordnet_items(("n",), 5, root=tmp_path) == first and calls == [5, 6, 5]  # damaged: rebuilt
