"""Residual capture: same numbers as an unbatched HF forward, only what was asked, clear errors."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.lm import LM, capture_residuals
from semphys.lm.models.architecture import blocks, final_norm

PROMPTS = [
    "The bank",
    "I sat by the river bank",
    "She deposited her savings at the bank",
    "The fish swam near the muddy bank of the river",
    "The construction crane lifted steel beams to the roof",
]
TARGETS = ["bank", "bank", "bank", "bank", "crane"]
MODELS = ["embedded", "minilm", "tiny_gpt2"]


def _unbatched_reference(lm: LM, prompt_ids: tuple[int, ...], position: int) -> torch.Tensor:
    """HF's own hidden states for one prompt alone: [n_layers + 1, d_model] at `position`."""
    with torch.inference_mode():
        out = lm.body(input_ids=torch.tensor([prompt_ids]), output_hidden_states=True)
    return torch.stack([h[0, position] for h in out.hidden_states])


@pytest.mark.parametrize("fixture", MODELS)
def test_batched_capture_equals_unbatched_hf_forward(fixture: str, request: pytest.FixtureRequest) -> None:
    lm: LM = request.getfixturevalue(fixture)
    # One padded batch of different lengths (large budget) and one prompt per batch (budget 1).
    for budget in (100_000, 1):
        capture = capture_residuals(lm, PROMPTS, TARGETS, final_norm=True, batch_tokens=budget)
        assert capture.resid.shape == (5, lm.facts.n_layers + 1, lm.facts.d_model)
        for i, span in enumerate(capture.targets):
            reference = _unbatched_reference(lm, span.input_ids, span.token_positions[-1])
            error = (capture.resid[i] - reference).norm(dim=-1) / reference.norm(dim=-1)
            assert error.max() < 1e-4, (fixture, budget, i, error)


def test_issue_shapes(embedded: LM, minilm: LM) -> None:
    assert capture_residuals(embedded, ["I sat by the river bank"], ["bank"]).resid.shape == (1, 19, 640)
    assert capture_residuals(minilm, ["I sat by the river bank"], ["bank"]).resid.shape == (1, 7, 384)


def test_last_index_is_raw_residual_unless_final_norm(embedded: LM) -> None:
    raw = capture_residuals(embedded, PROMPTS[:2], TARGETS[:2])
    normed = capture_residuals(embedded, PROMPTS[:2], TARGETS[:2], final_norm=True)
    torch.testing.assert_close(raw.resid[:, :-1], normed.resid[:, :-1])
    with torch.inference_mode():
        torch.testing.assert_close(final_norm(embedded.body)(raw.resid[:, -1]), normed.resid[:, -1])
    assert not torch.allclose(raw.resid[:, -1], normed.resid[:, -1])


def test_layer_subset_matches_and_stops_early(embedded: LM) -> None:
    full = capture_residuals(embedded, PROMPTS, TARGETS)
    ran: list[int] = []
    handles = [
        block.register_forward_hook(lambda module, args, out, i=i: ran.append(i))
        for i, block in enumerate(blocks(embedded.body))
    ]
    try:
        subset = capture_residuals(embedded, PROMPTS, TARGETS, layers=[4, 0], batch_tokens=100_000)
    finally:
        for handle in handles:
            handle.remove()
    assert subset.layers == (4, 0)
    torch.testing.assert_close(subset.resid, full.resid[:, [4, 0]], rtol=1e-4, atol=1e-3)
    assert sorted(set(ran)) == [0, 1, 2, 3]  # block 4 onwards never ran


def test_pooling_over_subtokens(embedded: LM) -> None:
    prompts, targets = ["We read about Quetzalcoatlus fossils"], ["Quetzalcoatlus"]
    by_pool = {
        pool: capture_residuals(embedded, prompts, targets, pooling=pool).resid[0] for pool in ("first", "last", "mean")
    }
    positions = capture_residuals(embedded, prompts, targets).targets[0].token_positions
    assert len(positions) > 1
    with torch.inference_mode():
        hidden = embedded.body(
            input_ids=torch.tensor([capture_residuals(embedded, prompts, targets).targets[0].input_ids]),
            output_hidden_states=True,
        ).hidden_states
    per_token = torch.stack([h[0, list(positions)] for h in hidden[:-1]])  # [n_layers, n_sub, d]
    torch.testing.assert_close(by_pool["first"][:-1], per_token[:, 0], rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(by_pool["last"][:-1], per_token[:, -1], rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(by_pool["mean"][:-1], per_token.mean(dim=1), rtol=1e-4, atol=1e-3)


def test_prompt_order_is_kept_despite_length_sorting(minilm: LM) -> None:
    forward = capture_residuals(minilm, PROMPTS, TARGETS, batch_tokens=16)
    backward = capture_residuals(minilm, PROMPTS[::-1], TARGETS[::-1], batch_tokens=16)
    torch.testing.assert_close(forward.resid, backward.resid.flip(0), rtol=1e-4, atol=1e-4)
    assert [span.prompt for span in forward.targets] == PROMPTS


@pytest.mark.parametrize(
    ("prompts", "targets", "kwargs", "message"),
    [
        ([], [], {}, "empty prompt list"),
        (["The bank"], [], {}, "1 prompts but 0 target words"),
        (["The river"], ["bank"], {}, "target word 'bank' not in prompt 'The river'"),
        (["The bank"], ["bank"], {"layers": [3]}, r"layers \[3\] out of range: indices run from 0 \(embeddings\) to 2"),
        (["The bank"], ["bank"], {"layers": [1, 1]}, "repeat"),
        (["The bank"], ["bank"], {"pooling": "max"}, "unknown pooling 'max': choose one of last, first, mean"),
        (["The bank"], ["bank"], {"batch_tokens": 0}, "batch_tokens must be positive"),
        (["The bank " * 40], ["bank"], {}, "takes at most 64"),
    ],
)
def test_bad_input(tiny_gpt2: LM, prompts, targets, kwargs, message) -> None:
    with pytest.raises(UserError, match=message):
        capture_residuals(tiny_gpt2, prompts, targets, **kwargs)


def test_causal_models_do_not_run_tokens_after_the_target(embedded: LM, minilm: LM) -> None:
    seen: list[int] = []
    block = blocks(embedded.body)[0]
    handle = block.register_forward_hook(lambda module, args, out: seen.append(out.shape[1]))
    try:
        capture_residuals(embedded, ["The bank of the river was muddy and steep"], ["bank"])
    finally:
        handle.remove()
    assert seen == [3]  # <bos> The bank
    # An encoder reads both sides: the words after the target change its vector.
    short, long = (capture_residuals(minilm, [p], ["bank"]).resid for p in ("The bank", "The bank of the river"))
    assert not torch.allclose(short, long)
