"""semphys.cvfp.stage1: the spec's Phase 1 reproduces its collapse, and the diagnostics flag it.

This is the test that protects the diagnostics: a diagnostic that never fires is untested.
"""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.cvfp.diagnostics import IDENTITY_COLLAPSE, TOKEN_COLLAPSE, diagnose
from semphys.cvfp.stage1 import Stage1Config, converged_ratio, run_stage1
from semphys.textlm.train import TrainingDiverged

from .conftest import spec_model, stream


@pytest.fixture(scope="module")
def collapsed(text):
    """The spec's model after the spec's Phase 1 (spec loss, BPTT, its config) on 400 tokens of real text."""
    model = spec_model(text.vocab_size)
    result = run_stage1(model, stream(text, 400, "train"), Stage1Config())
    return model.eval(), result


def test_spec_phase1_collapses_to_the_identity_and_the_diagnostics_say_so(collapsed, text):
    model, result = collapsed
    assert [r["iteration"] for r in result.iterations][0] == 1 and "cvfp_loss" not in result.iterations[0]
    assert result.iterations[-1]["converged_ratio"] >= 0.95  # "100% converged": the spec's too-good result
    diagnostics = diagnose(model, stream(text, 600), passes=4)
    assert diagnostics.identity_cos > IDENTITY_COLLAPSE  # spec: 0.974
    assert 1 - diagnostics.token.output_cos < TOKEN_COLLAPSE  # spec: outputs 99.9% alike across tokens
    assert diagnostics.token.input_cos > 0.9  # spec: 99.7% alike to the input context
    assert diagnostics.converged_ratios[-1] == 1.0
    assert diagnostics.collapsed
    rows = diagnostics.running_stats
    assert len(rows) == 2 and rows[0]["batches_tracked"] > 400  # per-token EMA updates, hidden in the layer
    assert rows[0]["mean_running_var"] < 1e-3  # batches of one token: the variance EMA decays to 0


def test_lr_stages_follow_the_spec():
    config = Stage1Config()
    assert [config.lr(i) for i in (1, 3, 4, 8, 9, 10)] == [0.002, 0.002, 0.0005, 0.0005, 0.0001, 0.0001]


def test_corrected_loss_with_one_step_gradient_also_keeps_the_identity(text):
    model = spec_model(text.vocab_size)
    run_stage1(model, stream(text, 400, "train"), Stage1Config(loss="corrected", gradient="onestep", max_iterations=4))
    assert diagnose(model.eval(), stream(text, 600), passes=3).collapsed


def test_converged_ratio_counts_tokens_under_the_threshold():
    previous = torch.zeros(1, 4, 2)
    current = torch.tensor([[[0.1, 0.1], [0.2, 0.0], [0.3, 0.3], [0.0, 0.0]]])  # MSEs 0.01, 0.02, 0.09, 0
    assert converged_ratio(current, previous, 0.02) == 0.5


def test_bad_streams_configs_and_nan_are_refused(text):
    with pytest.raises(UserError, match="at least 2 tokens"):
        run_stage1(spec_model(text.vocab_size), torch.tensor([5]))
    with pytest.raises(UserError, match="unknown Phase 1 loss"):
        Stage1Config(loss="other")
    model = spec_model(text.vocab_size)
    with torch.no_grad():
        model.layers[0].fnn.weight[0, 0] = float("nan")
    with pytest.raises(TrainingDiverged, match="iteration 2"):
        run_stage1(model, stream(text, 50, "train"), Stage1Config(max_iterations=3))
