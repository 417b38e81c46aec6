"""semphys.phase.readout_items: WordNet test items by lexicographer file, causal-blind items (issue 13)."""

import pytest

from semphys.data import Sense
from semphys.errors import UserError
from semphys.phase.prompts import Skipped
from semphys.phase.readout_items import ReadoutWord, causal_blind, readout_word, wordnet_items


def sense(synset: str, lexname: str, examples: tuple[str, ...], gloss: str = "a thing") -> Sense:
    return Sense(synset_id=synset, lemma="bank", pos="n", sense_number=1, gloss=gloss, examples=examples,
                 lexname=lexname, offset=0)


def test_senses_of_one_lexicographer_file_make_one_class_with_all_their_items():
    word = readout_word([
        sense("bank.n.01", "noun.object", ("they pulled the canoe up on the bank",)),
        sense("bank.n.02", "noun.group", ("he cashed a check at the bank",)),
        sense("bank.n.03", "noun.object", ("a bank of snow", "no mention here")),
        sense("bank.n.04", "noun.act", ()),
    ], "bank", "n")
    assert isinstance(word, ReadoutWord)
    assert [c.lexname for c in word.classes] == ["noun.object", "noun.group"]
    assert word.classes[0].items == ("they pulled the canoe up on the bank", "a bank of snow")
    assert word.classes[0].synsets == ("bank.n.01", "bank.n.03")
    assert word.classes[0].glosses == ("In the sense of a thing, the bank",) * 2
    assert word.loo_classes() == [0]
    assert word.items()[2] == (1, "he cashed a check at the bank")


def test_a_word_with_items_in_one_file_is_skipped_with_the_reason():
    result = readout_word([sense("bank.n.01", "noun.object", ("the bank",)), sense("bank.n.02", "noun.group", ())],
                          "bank", "n")
    assert isinstance(result, Skipped)
    assert result.word == "bank.n" and "1 lexicographer file(s) (noun.object)" in result.reason


@pytest.mark.parametrize("sentence, blind", [
    ("The bank was closed", True),
    ("bank holidays are fun", True),
    ("He sat on the bank", False),
    ("It is in the bank", True),
    ("The river bank flooded", False),
    ("she deposited it in the bank", False),
])
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


PROMPTS_FILE = """\
words:
  bank:
    senses: [river, finance]
    anchors:
      river: ["I sat by the river bank and watched the water.", "The muddy bank of the river was steep."]
      finance: ["She deposited her savings at the bank before noon.", "The bank lent him money."]
    prompts:
      - {label: neutral, text: "The bank"}
      - {label: r1, text: "Fish swam near the grassy bank.", sense: river}
      - {label: r2, text: "We walked along the bank of the stream.", sense: river}
      - {label: r3, text: "The muddy bank of the river was steep.", sense: river}
      - {label: f1, text: "He robbed the bank at night.", sense: finance}
      - {label: f2, text: "The bank was closed on Sunday.", sense: finance}
  bat:
    senses: [animal, club]
    anchors:
      animal: ["The bat hung upside down in the dark cave."]
      club: ["He swung the wooden bat hard."]
    prompts:
      - {label: a1, text: "A bat flew out of the barn.", sense: animal}
"""


def test_a_prompts_file_gives_anchor_directions_and_sense_declared_test_items(tmp_path):
    from semphys.phase.readout_items import prompts_items

    path = tmp_path / "p.yaml"
    path.write_text(PROMPTS_FILE)
    items = prompts_items(path)
    assert items.source == "prompts:p.yaml"
    (bank,) = items.words
    assert (bank.key, [c.lexname for c in bank.classes]) == ("bank", ["river", "finance"])
    assert bank.classes[0].glosses == ("I sat by the river bank and watched the water.",
                                       "The muddy bank of the river was steep.")
    # r3 repeats an anchor: a test item never enters a direction, so it is not scored
    assert bank.classes[0].items == ("Fish swam near the grassy bank.", "We walked along the bank of the stream.")
    assert bank.classes[1].items == ("He robbed the bank at night.", "The bank was closed on Sunday.")
    assert bank.loo_classes() == [0, 1]
    assert [(s.word, s.reason) for s in items.skipped] == [
        ("bat", "no scorable prompt declares sense 'club'; a readout needs at least one test item per sense")]
    assert [s.reason for s in items.unscored] == ["prompt 'neutral' declares no sense: not scored",
                                                  "prompt 'r3' is one of the anchors: not scored"]


@pytest.mark.parametrize("text, match", [
    (None, "does not exist"),
    ("words: [unclosed", "p.yaml"),
    ("words:\n  bat:\n    senses: [animal, club]\n    anchors: {animal: [the bat], club: [a bat]}\n"
     "    prompts: [{label: x, text: the bat}]\n", "no word of the prompts file can be read out: bat: no scorable"),
])
def test_a_prompts_file_that_cannot_be_read_out_is_refused(tmp_path, text, match):
    from semphys.phase.readout_items import prompts_items

    path = tmp_path / "p.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(UserError, match=match):
        prompts_items(path)
