"""The word model: what check_word refuses, and what a causal model's target can see."""

import dataclasses

import pytest

from semphys.core.errors import UserError
from semphys.phase.inputs.builtin import BANK, BAT
from semphys.phase.inputs.prompts import Prompt, check_word, mentions_word, visible_context


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prompts": (Prompt("x", "The river"),)}, "prompt 'x' 'The river' does not contain the target word 'bank'"),
        ({"anchors": {"finance": ("money at the bank",), "river": ()}}, "sense 'river' has no anchor sentences"),
        (
            {"anchors": {"finance": ("the bank",), "river": ("the bank",), "sky": ("the bank",)}},
            "anchors for unknown sense 'sky'",
        ),
        ({"prompts": (Prompt("x", "The bank", "money"),)}, "declares unknown sense 'money'; allowed: finance, river"),
        ({"prompts": (Prompt("x", "The bank"), Prompt("x", "A bank"))}, "label(s) x used twice"),
        ({"senses": ("finance", "finance")}, "two different sense labels"),
        ({"hints": ("river bank",)}, "hint 'river bank' contains the target word"),
        ({"gradient": {"finance": ("She", "went", "home")}}, "gradient of sense 'finance' does not contain"),
    ],
)
def test_unusable_words_are_refused_with_the_reason(change: dict, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_word(dataclasses.replace(BANK, **change))


def test_whole_word_matching_and_visible_context() -> None:
    assert mentions_word("The Bank of England", "bank") and not mentions_word("riverbanks", "bank")
    assert visible_context("The bat hung upside down in the dark cave", "bat") == "The bat"
    assert BAT.hint_base.label == "neutral"
    assert [p.strength for p in BAT.prompts[:4]] == ["neutral", "weak", "weak", "strong"]
