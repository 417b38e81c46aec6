"""The `lm` demo section on the real embedded models, and its page in headless Chromium."""

import json
from pathlib import Path

import torch

from semphys.experiments.demo import run_demo
from semphys.experiments.demo.lm import mean_cross_word_cosine
from semphys.experiments.demo.sections import SECTIONS


def test_cross_word_cosine_ignores_same_word_pairs() -> None:
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    vectors = torch.stack([a, a, b])[:, None, :]  # words x, x, y: only the x-y pairs count
    assert mean_cross_word_cosine(vectors, ["x", "x", "y"]).tolist() == [0.0]
    assert mean_cross_word_cosine(vectors, ["x", "y", "z"]).item() == torch.tensor(1 / 3).item()


def test_lm_section_report_loads_cleanly(tmp_path: Path, open_page) -> None:
    run = run_demo(tmp_path, sections=[s for s in SECTIONS if s.name == "lm"])
    assert run.ok, run.failed
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["sections"][0]["config"]["models"] == ["embedded", "minilm"]
    page = run.index.read_text()
    assert "gemma3_text" in page and "Quetzalcoatlus" in page and "Q4_K_M" in page
    assert (tmp_path / "lm" / "residual_stream.png").stat().st_size > 10_000
    check = open_page(run.index)
    assert check.images and not check.problems, check.problems
