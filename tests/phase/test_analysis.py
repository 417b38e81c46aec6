"""One word on one model: every variant computed, blind prompts flagged, primary fits carry intervals."""

from semphys.phase import PhaseConfig, Suite, run_model
from semphys.phase.analysis import blind_prompts
from semphys.phase.inputs.builtin import BANK, BAT, CRANE


def test_prompts_that_see_only_the_neutral_context_in_a_causal_model() -> None:
    labels = [p.label for p, blind in zip(BAT.prompts, blind_prompts(BAT, causal=True)) if blind]
    assert labels == ["weak_animal", "strong_animal"]
    assert [p.label for p, b in zip(CRANE.prompts, blind_prompts(CRANE, True)) if b] == ["weak_bird", "weak_machine"]
    assert not any(blind_prompts(BAT, causal=False))


def test_analysis_of_the_real_run(builtin_run) -> None:
    gemma = builtin_run.models[0]
    bat = next(a for a in gemma.analyses if a.word.word == "bat")
    assert set(bat.sigma) == {f"{m}/{c}" for m in ("final", "per-layer") for c in ("raw", "centred", "standardised")}
    assert bat.sigma["per-layer/standardised"].shape == (6, 19)
    # a blind prompt has, in a causal model, exactly the neutral prompt's sigma
    assert abs(bat.sigma["final/raw"][3] - bat.sigma["final/raw"][0]).max() < 1e-5
    # Gemma's layer-0 vector is the token embedding in every context: per-layer sigma is 0 there
    assert abs(bat.sigma["per-layer/standardised"][:, 0]).max() < 1e-9
    primary = bat.fits["per-layer/standardised"][4]
    assert primary.chosen.ci and "l_c" in primary.chosen.ci and bat.selection_frequency[4]
    assert not bat.fits["final/raw"][4].chosen.ci  # secondary variants: grid fits, no bootstrap
    assert bat.chi["per-layer/standardised"].chi.shape == (4, 19)
    assert bat.diagrams["per-layer/standardised"].sigma.shape[1] == 19


def test_null_statistics_cover_every_prompt_and_draw(minilm, activation_root) -> None:
    config = PhaseConfig(n_bootstrap=0, n_label_shuffles=4, n_random_directions=3, n_smooth_draws=5, qk_pca=False)
    analysis = run_model(minilm, Suite((BANK,), "builtin"), config, activation_root).analyses[0]
    assert set(analysis.null.curves) == {"label_shuffle", "random_directions", "smooth_rise"}
    assert analysis.null.curves["smooth_rise"].step_share.shape == (5, len(BANK.prompts))
    assert analysis.null.curves["label_shuffle"].r2.shape == (4, len(BANK.prompts))
    assert analysis.null.curves["random_directions"].jump.shape == (3, len(BANK.prompts))
    assert analysis.first_layer == 1 and len(analysis.fit_layers) == analysis.n_layers
    assert len(analysis.fits["per-layer/standardised"][0].chosen.params) >= 3
