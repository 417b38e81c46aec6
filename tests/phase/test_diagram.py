"""Growing contexts around the target, and the sigma = 0 contour of the phase diagram."""

import numpy as np
import pytest

from semphys.core.errors import UserError
from semphys.phase.diagram import PhaseDiagram, gradient_contexts
from semphys.phase.inputs.builtin import BANK


def test_context_grows_left_first_then_right() -> None:
    contexts = gradient_contexts(BANK.gradient["finance"], "bank")
    texts = [c.text for c in contexts]
    assert texts[:4] == ["the bank", "to the bank", "went to the bank", "She went to the bank"]
    assert texts[4] == "She went to the bank with"
    assert texts[-1] == "She went to the bank with her paycheck to deposit her monthly savings"
    assert [c.n_context for c in contexts] == list(range(1, 13))
    assert [c.side for c in contexts] == ["left"] * 4 + ["right"] * 8


def test_gradient_without_the_target_is_an_error() -> None:
    with pytest.raises(UserError, match="does not contain the target word 'bank'"):
        gradient_contexts(["She", "went", "home"], "bank")
    with pytest.raises(UserError, match="no word besides the target"):
        gradient_contexts(["bank"], "bank")


def test_zero_crossings_interpolate_the_contour() -> None:
    diagram = PhaseDiagram(np.array([[-0.2, 0.2, 0.4], [0.1, 0.2, 0.3]]), [])
    assert diagram.zero_crossings() == [[0.5], []]
