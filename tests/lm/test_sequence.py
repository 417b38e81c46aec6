"""All-token residual states: same numbers as an unbatched HF forward, special tokens left out, clear errors."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.lm import LM, token_states
from semphys.lm.models.architecture import blocks

TEXTS = [
    "The bank",
    "I sat by the river bank and watched the water.",
    "She deposited her savings at the bank before noon.",
    "a large bird",
]


def _unbatched(lm: LM, text: str, layer: int) -> tuple[torch.Tensor, list[int]]:
    """HF's own hidden state at `layer` for one text alone, and its special-token mask."""
    enc = lm.tokenizer(text, return_special_tokens_mask=True)
    with torch.inference_mode():
        out = lm.body(input_ids=torch.tensor([enc["input_ids"]]), output_hidden_states=True)
    return out.hidden_states[layer][0], enc["special_tokens_mask"]


@pytest.mark.parametrize("fixture", ["minilm", "tiny_gpt2"])
@pytest.mark.parametrize("layer", [0, 1])  # not the last: HF applies the final norm there
def test_batched_states_equal_unbatched_hf_forward(fixture: str, layer: int, request: pytest.FixtureRequest) -> None:
    lm: LM = request.getfixturevalue(fixture)
    for budget in (100_000, 1):  # one padded batch of mixed lengths; one text per batch
        result = token_states(lm, TEXTS, layer, batch_tokens=budget)
        assert result.layer == layer and len(result.states) == len(TEXTS)
        for text, states, ids in zip(TEXTS, result.states, result.input_ids):
            hidden, special = _unbatched(lm, text, layer)
            kept = [i for i, s in enumerate(special) if not s]
            assert states.shape == (len(kept), lm.facts.d_model)
            torch.testing.assert_close(states, hidden[kept], rtol=1e-4, atol=1e-4)
            assert len(ids) == len(kept)


@pytest.mark.slow
def test_gemma_bos_is_run_but_not_returned(embedded: LM) -> None:
    result = token_states(embedded, TEXTS[:2], 6)
    hidden, special = _unbatched(embedded, TEXTS[0], 6)
    assert special[0] == 1 and sum(special) == 1  # <bos> only
    torch.testing.assert_close(result.states[0], hidden[1:], rtol=1e-4, atol=1e-2)
    # offsets point at the token's characters in the text
    assert [TEXTS[0][a:b].strip() for a, b in result.offsets[0]] == ["The", "bank"]


def test_forward_stops_after_the_layer(minilm: LM) -> None:
    ran: list[int] = []
    handles = [
        block.register_forward_hook(lambda module, args, out, i=i: ran.append(i))
        for i, block in enumerate(blocks(minilm.body))
    ]
    try:
        token_states(minilm, TEXTS, 3)
    finally:
        for handle in handles:
            handle.remove()
    assert sorted(set(ran)) == [0, 1, 2]


def test_text_without_tokens_gives_an_empty_matrix(tiny_gpt2: LM) -> None:
    result = token_states(tiny_gpt2, ["", "The bank"], 1)
    assert result.states[0].shape == (0, tiny_gpt2.facts.d_model)
    assert result.states[1].shape[0] == 2


@pytest.mark.parametrize(
    ("texts", "layer", "kwargs", "message"),
    [
        ([], 1, {}, "empty text list"),
        (["The bank"], 3, {}, r"layers \[3\] out of range"),
        (["The bank"], 1, {"batch_tokens": 0}, "batch_tokens must be positive"),
        (["The bank " * 40], 1, {}, "takes at most 64"),
    ],
)
def test_bad_input(tiny_gpt2: LM, texts, layer, kwargs, message) -> None:
    with pytest.raises(UserError, match=message):
        token_states(tiny_gpt2, texts, layer, **kwargs)
