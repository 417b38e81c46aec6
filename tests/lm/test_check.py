"""`check_model`: every architecture passes against itself, and a broken reader is caught."""

from dataclasses import replace

import pytest

from semphys.lm.check import CheckConfig, check_model
from semphys.lm.readers import READERS
from tests.lm.tiny_models import BUILDERS

FAST = CheckConfig(threads=1)  # one torch thread: tiny matmuls are many times faster on a loaded 2-core machine


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_architecture_passes_lm_check(name: str, tiny_arch) -> None:
    lm = tiny_arch(name)
    report = check_model(lm, FAST)
    failed = [f"{row.claim}: {row.value} ({row.detail})" for row in report.claims if row.holds is False]
    assert not failed, failed
    assert all(row.kind == "check" and row.threshold_source == "semphys" for row in report.claims)
    not_applicable = {row.claim for row in report.claims if row.holds is None}
    expected = set()
    if name == "mamba":
        expected |= {"W_Q = module queries (x scale)", "W_K = module keys"}
    if not lm.facts.causal:
        expected |= {"next-token distribution = logits", "incremental = full forward", "incremental top-1 = full top-1"}
    assert not_applicable == expected
    assert len(report.claims) == 9


def test_a_reader_that_swaps_queries_and_keys_fails(tiny_arch, monkeypatch) -> None:
    monkeypatch.setitem(READERS, "bert", replace(READERS["bert"], projections=("key", "query")))
    report = check_model(tiny_arch("bert"), FAST)
    rows = {row.claim: row for row in report.claims}
    assert rows["W_Q = module queries (x scale)"].holds is False and rows["W_Q = module queries (x scale)"].value > 0.5
    assert not report.passed and rows["capture = hidden states"].holds


def test_a_wrong_qk_norm_convention_fails(tiny_arch, monkeypatch) -> None:
    monkeypatch.setitem(READERS, "qwen3", replace(READERS["qwen3"], qk_norm="gemma"))  # (1 + w) where Qwen3 uses w
    rows = {row.claim: row for row in check_model(tiny_arch("qwen3"), FAST).claims}
    assert rows["W_Q = module queries (x scale)"].holds is False


def test_a_missing_final_norm_fails(tiny_arch) -> None:
    lm = tiny_arch("llama")
    broken = replace(lm, layout=replace(lm.layout, final_norm=None))
    rows = {row.claim: row for row in check_model(broken, FAST).claims}
    assert rows["final norm = last_hidden_state"].holds is False


def test_a_wrong_decoding_cache_fails_the_incremental_rows(tiny_arch, monkeypatch) -> None:
    """Known negative of the log-probability rows: an incremental decoder whose distribution is shifted fails them."""
    from semphys.lm import logits

    real = logits.IncrementalDecoder.distribution

    def shifted(self, top_k):
        out = real(self, top_k)
        return replace(out, log_probs=out.log_probs - 0.1, token_ids=out.token_ids.flip(-1))

    monkeypatch.setattr(logits.IncrementalDecoder, "distribution", shifted)
    rows = {row.claim: row for row in check_model(tiny_arch("gpt2"), FAST).claims}
    assert rows["next-token distribution = logits"].holds is True
    assert rows["incremental = full forward"].holds is False and rows["incremental = full forward"].value > 0.05
    assert rows["incremental top-1 = full top-1"].holds is False
