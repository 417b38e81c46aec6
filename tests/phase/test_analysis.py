"""One word on one model: every variant computed, blind prompts flagged, primary fits carry intervals."""

from semphys.phase.analysis import blind_prompts
from semphys.phase.inputs.builtin import BAT, CRANE


def test_prompts_that_see_only_the_neutral_context_in_a_causal_model() -> None:
    labels = [p.label for p, blind in zip(BAT.prompts, blind_prompts(BAT, causal=True)) if blind]
    assert labels == ["weak_animal", "strong_animal"]
    assert [p.label for p, b in zip(CRANE.prompts, blind_prompts(CRANE, True)) if b] == ["weak_bird", "weak_machine"]
    assert not any(blind_prompts(BAT, causal=False))
