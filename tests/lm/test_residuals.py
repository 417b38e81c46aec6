"""`residuals`, the notebook's one call: the same numbers as the readers it wraps, in one shape."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.lm import capture_residuals, token_states
from semphys.lm.residuals import residuals

TEXTS = ["The bank of the river was muddy.", "She paid the bank a visit."]


def test_target_positions_equal_capture_residuals(tiny_gpt2):
    got = residuals(tiny_gpt2, TEXTS, targets=["bank", "bank"], layers=[0, 2])
    want = capture_residuals(tiny_gpt2, TEXTS, ["bank", "bank"], [0, 2]).resid
    assert got.shape == (2, 2, tiny_gpt2.facts.d_model)
    torch.testing.assert_close(got, want)


def test_all_and_last_positions_stack_every_layer_of_token_states(tiny_gpt2):
    every = residuals(tiny_gpt2, TEXTS, positions="all", layers=[1, 2])
    for layer_index, layer in enumerate([1, 2]):
        states = token_states(tiny_gpt2, TEXTS, layer).states
        for text, per_text in enumerate(every):
            torch.testing.assert_close(per_text[:, layer_index], states[text])
    last = residuals(tiny_gpt2, TEXTS, positions="last", layers=[1, 2])
    torch.testing.assert_close(last, torch.stack([e[-1] for e in every]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"positions": "middle"}, "unknown positions 'middle': choose one of target, last, all"),
        ({"targets": ["bank"]}, "needs one target word per text: 2 texts, 1 targets"),
        ({"positions": "last", "targets": ["bank", "bank"]}, "targets are read only with positions 'target'"),
        ({"positions": "all", "layers": [99]}, "out of range"),
    ],
)
def test_bad_arguments_are_one_line_errors(tiny_gpt2, kwargs, match):
    with pytest.raises(UserError, match=match):
        residuals(tiny_gpt2, TEXTS, **kwargs)
