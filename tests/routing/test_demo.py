"""The `routing` demo section at toy scale: every variant in the table, the three figures."""

import dataclasses

from semphys.experiments.demo import DemoSection, run_demo
from semphys.experiments.demo import routing as section
from semphys.routing.variants import VARIANTS
from semphys.textlm.data import DataConfig
from tests.routing.tiny import tiny_model


def test_routing_section_tabulates_every_variant(tmp_path, monkeypatch):
    real = section.quick_compare

    def tiny(seeds):
        config = real(seeds)
        return dataclasses.replace(
            config, data=DataConfig(max_train_tokens=3000, max_valid_tokens=1500), model=tiny_model()
        )

    monkeypatch.setattr(section, "quick_compare", tiny)
    small = DemoSection("routing", "Routing", lambda ctx: section.run(ctx, steps=2), "toy scale")
    run = run_demo(tmp_path, sections=[small])
    assert run.ok, run.failed
    page = run.index.read_text()
    for variant in VARIANTS:
        assert f">{variant}<" in page, variant
    assert "p adj. (floor)" in page and "no paired row can hold" in page  # one seed: the floor is stated
    for name in ("loss_curves", "expert_load", "origin_expert"):
        assert (tmp_path / "routing" / f"{name}.png").stat().st_size > 5_000, name
