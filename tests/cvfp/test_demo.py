"""The `cvfp` demo section at toy scale: both runs, the table, the figures, a clean page."""

import dataclasses
import json

from semphys.experiments.demo import DemoSection, run_demo
from semphys.experiments.demo import cvfp as section
from semphys.textlm.data import DataConfig
from semphys.textlm.train import TrainConfig


def test_cvfp_section_compares_the_spec_and_predictive_runs(tmp_path, monkeypatch, open_page):
    real = section._runs

    def tiny(seed):
        steps = TrainConfig(steps=3, batch_size=4, seq_len=16, lr=1e-2, checkpoint_every=3)
        data = DataConfig(max_train_tokens=3000, max_valid_tokens=1500)
        return {
            name: dataclasses.replace(
                config,
                data=data,
                phase1=steps,
                phase2=steps,
                baselines=steps,
                spec_stream_tokens=100,
                spec_phase1=dataclasses.replace(config.spec_phase1, max_iterations=2),
            )
            for name, config in real(seed).items()
        }

    monkeypatch.setattr(section, "_runs", tiny)
    run = run_demo(tmp_path, sections=[DemoSection("cvfp", "CVFP", section.run, "toy scale")])
    assert run.ok, run.failed
    for name in ("spec/eval.json", "predictive/eval.json", "predictive/perplexity.png", "predictive/loss_curves.png"):
        assert (tmp_path / "cvfp" / name).exists(), name
    page = run.index.read_text()
    assert "identity cos" in page and "bigram ppl" in page
    for name in ("spec", "predictive"):  # the outcome prose reads this run's numbers, not fixed words
        result = json.loads((tmp_path / "cvfp" / name / "eval.json").read_text())
        verdict = "collapsed" if result["collapsed"] else "did not collapse"
        assert f"{verdict} in this run (identity cos {result['identity_cos']:.3f}" in page, name
    check = open_page(run.index)
    assert check.images and not check.problems, check.problems
