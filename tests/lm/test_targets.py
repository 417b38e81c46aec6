"""Locating target words by character span, across tokenizers."""

import pytest

from semphys.core.errors import UserError
from semphys.lm import LM, find_word, locate_target


def test_whole_word_match_only() -> None:
    assert find_word("banking at the bank", "bank") == (15, 19)
    with pytest.raises(UserError, match="target word 'bank' not in prompt 'I love banking'"):
        find_word("I love banking", "bank")


def test_case_sensitive_first_then_insensitive() -> None:
    assert find_word("Bank of the bank", "bank") == (12, 16)
    assert find_word("Bank holidays", "bank") == (0, 4)


def test_occurrence_selects_and_is_checked() -> None:
    assert find_word("the bank by the bank", "bank", occurrence=-1) == (16, 20)
    with pytest.raises(UserError, match="occurs 2 time"):
        find_word("the bank by the bank", "bank", occurrence=2)


def test_empty_word() -> None:
    with pytest.raises(UserError, match="empty target word"):
        find_word("The bank", " ")


@pytest.mark.parametrize("fixture", ["embedded", "minilm", "tiny_gpt2"])
def test_span_tokens_cover_exactly_the_word(fixture: str, request: pytest.FixtureRequest) -> None:
    lm: LM = request.getfixturevalue(fixture)
    span = locate_target(lm.tokenizer, "She deposited her savings at the bank today", "bank")
    pieces = lm.tokenizer.convert_ids_to_tokens([span.input_ids[i] for i in span.token_positions])
    assert "bank" in lm.tokenizer.convert_tokens_to_string(pieces).lower()
    assert span.token_positions == tuple(range(span.token_positions[0], span.token_positions[-1] + 1))


def test_multi_token_word_gives_all_its_subtokens(embedded: LM) -> None:
    span = locate_target(embedded.tokenizer, "We read about Quetzalcoatlus fossils", "Quetzalcoatlus")
    assert len(span.token_positions) > 1
    text = embedded.tokenizer.decode([span.input_ids[i] for i in span.token_positions])
    assert text.strip() == "Quetzalcoatlus"


def test_special_tokens_are_counted(embedded: LM, minilm: LM) -> None:
    gemma = locate_target(embedded.tokenizer, "The bank", "bank")
    bert = locate_target(minilm.tokenizer, "The bank", "bank")
    assert gemma.input_ids[0] == embedded.tokenizer.bos_token_id and gemma.token_positions == (2,)
    assert bert.input_ids[0] == minilm.tokenizer.cls_token_id and bert.token_positions == (2,)
