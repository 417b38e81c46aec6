"""PhaseConfig: spec defaults and one-line errors for bad settings."""

import pytest

from semphys.core.errors import UserError
from semphys.phase.config import PhaseConfig, variants


def test_spec_defaults() -> None:
    config = PhaseConfig()
    assert config.beta_bounds == (0.1, 2.0) and config.hint_template == "{hint}. {prompt}"
    assert (config.thresholds.jump, config.thresholds.r2, config.thresholds.beta_cv) == (0.1, 0.9, 0.3)
    assert (config.thresholds.chi_distance, config.thresholds.lc_spread) == (2.0, 0.1)
    assert config.primary_variant == "per-layer/standardised" and len(variants()) == 6
    assert config.to_dict()["thresholds"]["r2"] == 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"primary_mode": "middle"}, "choose one of final, per-layer"),
        ({"primary_correction": "whiten"}, "raw, centred, standardised"),
        ({"selection": "bic"}, "choose aic or aicc"),
        ({"n_bootstrap": -1}, "n_bootstrap must be at least 0"),
        ({"hint_template": "{hint}"}, "must contain {hint} and {prompt}"),
        ({"fits": ()}, "fits must be distinct fit types from second_order, tanh, step"),
        ({"fits": ("tanh", "cubic")}, "fits must be distinct fit types"),
        ({"fits": ("tanh", "tanh")}, "fits must be distinct fit types"),
    ],
)
def test_bad_settings_are_user_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("{", r"\{").replace("}", r"\}")):
        PhaseConfig(**kwargs)
