"""Growing contexts around the target (exp. 5): batched and projected equals one by one; the pooled critical line."""

import numpy as np
import pytest

from semphys.lm import capture_residuals
from semphys.lm.cache import Request
from semphys.lm.projected import capture_projected
from semphys.phase.scale.contexts import critical_line, item_contexts, settle_layers

SENTENCES = (
    ("he sat on the bank of the river and watched the currents", "bank"),
    ("the bank refused to lend him any more money", "bank"),
)


def test_contexts_grow_left_first_and_a_causal_model_reads_only_the_left():
    both = item_contexts("she went to the bank with her paycheck", "bank", causal=False, max_context=12)
    assert [text for _, text in both[:4]] == ["the bank", "to the bank", "went to the bank", "she went to the bank"]
    assert both[4] == (5, "she went to the bank with")
    left = item_contexts("she went to the bank with her paycheck", "bank", causal=True, max_context=3)
    assert left == [(1, "the bank"), (2, "to the bank"), (3, "went to the bank")]
    assert item_contexts("no target here", "bank", causal=True, max_context=3) == []


@pytest.mark.parametrize("model", ["embedded", "minilm"])
def test_batched_projected_contexts_equal_one_by_one_forwards(model, request, tmp_path):
    lm = request.getfixturevalue(model)
    requests = [
        Request(text, target)
        for sentence, target in SENTENCES
        for _, text in item_contexts(sentence, target, lm.facts.causal, 12)
    ]
    rng = np.random.default_rng(0)
    contrast = rng.standard_normal((lm.facts.n_layers + 1, lm.facts.d_model))

    def project(part, resid):
        return np.einsum("nld,ld->nl", resid.astype(np.float64), contrast)

    batched, stats = capture_projected(lm, requests, project, "test", tmp_path, chunk=4)
    one_by_one = np.stack(
        [project([r], capture_residuals(lm, [r.prompt], [r.target], progress=False).resid.numpy())[0] for r in requests]
    )
    scale = np.abs(one_by_one).max()
    assert np.allclose(batched, one_by_one, atol=2e-3 * scale)
    assert stats.n_forwarded == len(set(requests)) and stats.n_cached_chunks == 0
    again, stats = capture_projected(lm, requests, project, "test", tmp_path, chunk=4)
    assert stats.n_forwarded == 0 and stats.n_cached_chunks == stats.n_chunks
    assert np.array_equal(again, batched)
    _, stats = capture_projected(lm, requests, project, "another projector", tmp_path, chunk=4)
    assert stats.n_forwarded == len(set(requests))


def test_settle_layers_by_hand():
    low = np.array([[-1, 0.1, -0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4, 0.5], [0.1, 0.2, 0.3, 0.4, -0.1]])
    assert settle_layers(low, np.arange(1, 6)) == [4, 1, None]


def test_the_critical_line_moves_down_with_more_context():
    """Synthetic contexts whose sign settles at layer 10 - n: the line recovers it, pooled over 30 words."""
    rng = np.random.default_rng(0)
    rows, words, counts = [], [], []
    layers = np.arange(13)
    for word in range(30):
        for n in range(1, 6):
            for _ in range(3):
                rows.append(np.where(layers >= 10 - n, 1.0, -0.5) + 0.1 * rng.standard_normal(13))
                words.append(word)
                counts.append(n)
    line = critical_line(np.array(rows), np.array(words), np.array(counts), np.arange(1, 13), 30, 200, rng)
    assert line is not None
    assert line.settle_layer == [9, 8, 7, 6, 5]
    assert line.n_words.tolist() == [30] * 5
