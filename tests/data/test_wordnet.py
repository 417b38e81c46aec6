"""The sense inventory: known senses of known words, every synset once, sense pairs."""

import re
from collections import Counter
from pathlib import Path

import nltk.data
import pytest

from semphys.core.errors import UserError
from semphys.data import INSTALL_COMMAND, WordNet, anchor_sentences, load_wordnet, mentions

# WordNet 3.0 database statistics (wnstats(7WN)): synsets per part of speech.
SYNSETS_PER_POS = {"n": 82_115, "v": 13_767, "a": 18_156, "r": 3_621}


def test_bank_has_ten_noun_senses_in_frequency_order(wordnet: WordNet):
    senses = wordnet.senses("bank", "n")
    assert len(senses) == 10
    assert [s.sense_number for s in senses] == list(range(1, 11))
    first, second = senses[0], senses[1]
    assert (first.synset_id, first.lexname, first.pos) == ("bank.n.01", "noun.object", "n")
    assert first.gloss == "sloping land (especially the slope beside a body of water)"
    assert "they pulled the canoe up on the bank" in first.examples
    assert first.offset == 9_213_565  # the first offset on `bank`'s line of index.noun
    assert second.synset_id == "depository_financial_institution.n.01"
    assert second.lexname == "noun.group"
    assert all(s.lemma.lower() == "bank" for s in senses)


def test_senses_normalise_case_and_spaces_but_do_not_lemmatise(wordnet: WordNet):
    # `earth.n.01` has both lemmas `Earth` and `earth`: it is one sense, not two.
    assert [s.synset_id for s in wordnet.senses("earth")[:3]] == [
        "earth.n.01",
        "earth.n.02",
        "land.n.04",
    ]
    assert wordnet.senses("Bank") == wordnet.senses("bank")
    assert [s.synset_id for s in wordnet.senses("ice cream")] == ["ice_cream.n.01"]
    assert wordnet.senses("dogs") == []  # `banks` would not do: Joseph Banks is a lemma
    assert wordnet.senses("xyzzy") == []


def test_senses_of_other_parts_of_speech(wordnet: WordNet):
    verbs = wordnet.senses("bank", "v")
    assert len(verbs) == 8 and all(s.pos == "v" and s.lexname.startswith("verb.") for s in verbs)
    assert {s.pos for s in wordnet.senses("good", "a")} == {"a", "s"}  # satellites included


def test_unknown_part_of_speech_is_a_user_error(wordnet: WordNet):
    with pytest.raises(UserError, match="use one of n, v, a, r"):
        wordnet.senses("bank", "x")


def test_lexnames_are_the_45_files(wordnet: WordNet):
    names = wordnet.lexnames()
    assert len(names) == 45
    assert (names[3], names[5], names[44]) == ("noun.Tops", "noun.animal", "adj.ppl")


def test_all_synsets_yields_every_synset_once(wordnet: WordNet):
    per_pos = Counter()
    ids = set()
    with_examples = 0
    lexnames = set(wordnet.lexnames())
    for sense in wordnet.all_synsets():
        per_pos["a" if sense.pos == "s" else sense.pos] += 1
        ids.add(sense.synset_id)
        with_examples += bool(sense.examples)
        assert sense.lexname in lexnames
        assert sense.synset_id.startswith(f"{sense.lemma.lower()}.{sense.pos}.")
        assert sense.synset_id.endswith(f".{sense.sense_number:02d}")
    assert per_pos == SYNSETS_PER_POS
    assert len(ids) == sum(SYNSETS_PER_POS.values()) == 117_659
    assert with_examples == 32_923


def test_all_synsets_of_one_part_of_speech(wordnet: WordNet):
    adverbs = list(wordnet.all_synsets("r"))
    assert len(adverbs) == SYNSETS_PER_POS["r"]
    assert {s.lexname for s in adverbs} == {"adv.all"}


def test_reading_leaves_nltk_data_path_as_it_was(wordnet: WordNet):
    before = list(nltk.data.path)
    wordnet.senses("bank")
    next(wordnet.all_synsets("v"))
    with wordnet.nltk() as reader:
        assert str(wordnet.nltk_root) in nltk.data.path
        assert reader.synset("bank.n.01").lexname() == "noun.object"
    assert nltk.data.path == before
    assert str(wordnet.nltk_root) not in nltk.data.path


def test_missing_data_names_the_install_command(tmp_path: Path):
    with pytest.raises(UserError, match=re.escape(INSTALL_COMMAND)):
        load_wordnet(tmp_path)


@pytest.mark.parametrize(
    ("text", "lemma", "expected"),
    [
        ("he sat on the bank of the river", "bank", True),
        ("The Bank closed", "bank", True),
        ("the bank's vault", "bank", True),
        ("two banks", "bank", False),
        ("an embankment", "bank", False),
        ("we ate ice cream", "ice_cream", True),
        ("a.b.c", "a+b", False),  # the lemma is matched literally, not as a pattern
    ],
)
def test_mentions_is_a_whole_word_match(text: str, lemma: str, expected: bool):
    assert mentions(text, lemma) is expected


def test_bank_makes_a_sense_pair_with_anchor_sentences(wordnet: WordNet):
    first, second = wordnet.sense_pair("bank")
    assert (first.synset_id, second.synset_id) == (
        "bank.n.01",
        "depository_financial_institution.n.01",
    )
    assert first.lexname != second.lexname
    assert anchor_sentences(first) == first.examples  # both examples use "bank"
    assert anchor_sentences(second) == (
        "he cashed a check at the bank",
        "that bank holds the mortgage on my home",
    )


@pytest.mark.parametrize(
    ("lemma", "reason"),
    [
        ("xyzzy", "it has 0 sense"),
        ("aardvark", "it has 1 sense"),
        ("crane", "its two most frequent senses are both noun.person"),
        ("mercury", "mercury.n.01 has 0 example sentence(s) containing 'mercury'"),
    ],
)
def test_sense_pair_says_why_a_word_cannot_be_paired(wordnet: WordNet, lemma: str, reason: str):
    with pytest.raises(UserError, match=re.escape(f"{lemma!r} cannot be paired: {reason}")):
        wordnet.sense_pair(lemma)


def test_ambiguous_nouns_are_valid_pairs_in_a_fixed_order(wordnet: WordNet):
    pairs = wordnet.ambiguous_nouns(50)
    assert len(pairs) == 50 and pairs == wordnet.ambiguous_nouns(50)
    keys = []
    for lemma, first, second in pairs:
        assert lemma.isalpha()
        assert (first.sense_number, second.sense_number) == (1, 2)
        assert first.lexname != second.lexname
        assert anchor_sentences(first, lemma) and anchor_sentences(second, lemma)
        assert (first, second) == wordnet.sense_pair(lemma)
        keys.append((-len(wordnet.senses(lemma)), lemma))
    assert keys == sorted(keys)  # most senses first, then alphabetical
    assert pairs[0][0] == "head"
    assert "bank" in [lemma for lemma, _, _ in pairs]


def test_ambiguous_nouns_counts_every_pairable_noun(wordnet: WordNet):
    assert len(wordnet.ambiguous_nouns(468)) == 468  # measured on Debian's WordNet 3.0
    with pytest.raises(UserError, match="only 468 nouns make a sense pair"):
        wordnet.ambiguous_nouns(469)
    stricter = {lemma for lemma, _, _ in wordnet.ambiguous_nouns(18, min_examples=2)}
    assert stricter <= {lemma for lemma, _, _ in wordnet.ambiguous_nouns(468)}


@pytest.mark.parametrize(("n", "min_examples"), [(0, 1), (5, 0)])
def test_ambiguous_nouns_rejects_bad_arguments(wordnet: WordNet, n: int, min_examples: int):
    with pytest.raises(UserError, match="must be at least 1"):
        wordnet.ambiguous_nouns(n, min_examples=min_examples)
