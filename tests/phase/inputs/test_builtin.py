"""The built-in words carry spec 001's prompts verbatim and pass every check."""

import pytest

from semphys.core.errors import UserError
from semphys.phase.inputs.builtin import BUILTIN, builtin_word
from semphys.phase.inputs.prompts import check_word

SPEC_PROMPTS = {
    "bank": [
        "The bank",
        "She went to the bank to",
        "He walked along the bank near",
        "She deposited her savings at the bank",
        "The fish swam near the muddy bank of the river",
    ],
    "bat": [
        "The bat",
        "The bat flew through",
        "He swung the bat at",
        "The bat hung upside down in the dark cave",
        "The baseball player picked up his wooden bat",
    ],
    "crane": [
        "The crane",
        "The crane stood in the shallow",
        "The crane lifted the heavy",
        "The white crane flew gracefully over the wetlands",
        "The construction crane lifted steel beams to the roof",
    ],
}


@pytest.mark.parametrize("name", list(BUILTIN))
def test_spec_prompts_anchors_and_hints(name: str) -> None:
    word = builtin_word(name)
    check_word(word)
    assert [p.text for p in word.prompts[:5]] == SPEC_PROMPTS[name]
    assert all(len(word.anchors[s]) == 5 for s in word.senses) and len(word.hints) == 4
    prompts = {p.text for p in word.prompts}
    assert not prompts & {a for s in word.senses for a in word.anchors[s]}  # no prompt is its own anchor
    assert set(word.gradient) == set(word.senses)


def test_spec_anchor_hints_and_gradient_of_bank() -> None:
    bank = BUILTIN["bank"]
    assert bank.anchors["finance"][0] == "I deposited money at the bank"
    assert bank.anchors["river"][0] == "I sat by the river bank"
    assert bank.hints == ("money", "fish", "deposit", "water")
    assert " ".join(bank.gradient["river"]) == "He walked along the bank of the winding river watching the fish swim"


def test_unknown_builtin_names_the_allowed_words() -> None:
    with pytest.raises(UserError, match="built-in words are bank, bat, crane"):
        builtin_word("bnak")
