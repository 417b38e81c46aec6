"""Each distinct prompt forwarded once; a re-run forwards nothing; an interrupted run resumes to the same result."""

from pathlib import Path

import numpy as np
import pytest

from semphys.lm import capture_residuals
from semphys.lm.cache import ActivationCache, Request
from semphys.phase.activations import capture_all, suite_requests
from semphys.phase.anisotropy import BASELINE
from semphys.phase.inputs.builtin import BANK
from semphys.phase.inputs.prompts import Suite

REQUESTS = [Request(p, t) for p, t in BASELINE[:6]] + [
    Request("The bank", "bank"),
    Request("I sat by the river bank", "bank"),
]


def test_suite_requests_list_everything_once_per_use() -> None:
    requests = suite_requests(Suite((BANK,), "builtin"), "{hint}. {prompt}")
    texts = [r.prompt for r in requests]
    assert texts[: len(BASELINE)] == [p for p, _ in BASELINE]
    assert "money. The bank" in texts and "She went to the bank with" in texts
    assert len(set(requests)) < len(requests)  # e.g. the full gradient sentence is also a context


def test_distinct_requests_are_forwarded_once_and_then_read_from_the_cache(tiny_gpt2, tmp_path: Path) -> None:
    cache = ActivationCache(tiny_gpt2.facts, "last", False, tmp_path)
    calls = []

    def counting(lm, prompts, targets, **kwargs):
        calls.append(list(prompts))
        return capture_residuals(lm, prompts, targets, **kwargs)

    vectors, stats = capture_all(tiny_gpt2, REQUESTS + REQUESTS[:3], cache, chunk=4, capture=counting)
    assert (stats.n_requests, stats.n_distinct, stats.n_forwarded, stats.n_calls) == (11, 8, 8, 2)
    assert sorted(p for call in calls for p in call) == sorted(r.prompt for r in REQUESTS)
    again, stats = capture_all(tiny_gpt2, REQUESTS, cache, capture=counting)
    assert stats.n_forwarded == 0 and stats.n_cached == 8 and len(calls) == 2
    for request in REQUESTS:
        assert np.array_equal(again[request], vectors[request])
    direct = capture_residuals(tiny_gpt2, [REQUESTS[-1].prompt], ["bank"]).resid[0].numpy()
    assert np.allclose(vectors[REQUESTS[-1]], direct, atol=1e-5)  # batched in a chunk == alone


def test_interrupted_run_keeps_finished_chunks_and_resumes_to_the_same_result(tiny_gpt2, tmp_path: Path) -> None:
    cache = ActivationCache(tiny_gpt2.facts, "last", False, tmp_path / "interrupted")
    done = []

    def interrupted(lm, prompts, targets, **kwargs):
        if done:
            raise KeyboardInterrupt
        done.append(len(prompts))
        return capture_residuals(lm, prompts, targets, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        capture_all(tiny_gpt2, REQUESTS, cache, chunk=3, capture=interrupted)
    resumed, stats = capture_all(tiny_gpt2, REQUESTS, cache, chunk=3)
    assert stats.n_cached == 3 and stats.n_forwarded == 5
    fresh, _ = capture_all(tiny_gpt2, REQUESTS, None)
    for request in REQUESTS:
        assert np.allclose(resumed[request], fresh[request], atol=1e-5)
