"""semphys.phase.scale.settings: `ScaleSettings.validate` refuses what the design cannot run with, naming the field."""

import pytest

from semphys.core.errors import UserError
from semphys.phase.scale import ScaleSettings


def test_the_defaults_are_valid() -> None:
    ScaleSettings().validate()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"n_bootstrap": 0}, "n_bootstrap must be at least 1, got 0"),
        ({"n_own_null": -5}, "n_own_null must be at least 1, got -5"),
        ({"max_context": 0}, "max_context must be at least 1, got 0"),
        ({"min_class_words": 1}, "min_class_words must be at least 2, got 1"),
        ({"seed": -1}, "seed must be 0 or more, got -1"),
        ({"alpha_word": 1.5}, "alpha_word must be between 0 and 1, got 1.5"),
        ({"transition": float("nan")}, "transition must be a finite number, got nan"),
        ({"hint_template": "{hint}"}, "hint_template '{hint}' must contain {hint} and {prompt}"),
        ({"kappa_bounds": (1.0, 1.0)}, "kappa_bounds must be (low, high) with low < high, got (1.0, 1.0)"),
    ],
)
def test_a_value_the_design_cannot_run_with_is_refused_by_name(change: dict, message: str) -> None:
    with pytest.raises(UserError) as caught:
        ScaleSettings(**change).validate()
    assert str(caught.value) == message
