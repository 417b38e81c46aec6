"""`semphys lm check`: every architecture passes against itself, and a broken reader is caught."""

from dataclasses import replace
from pathlib import Path

import pytest

from semphys.jsondoc import check, schema_path
from semphys.lm import check as check_module
from semphys.lm.check import CheckConfig, check_model
from semphys.lm.readers import READERS
from tests.lm.tiny_models import BUILDERS

FAST = CheckConfig(threads=1)  # one torch thread: tiny matmuls are many times faster on a loaded 2-core machine
SCHEMA = schema_path(check_module.__file__, "check")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_architecture_passes_lm_check(name: str, tiny_arch) -> None:
    lm = tiny_arch(name)
    report = check_model(lm, FAST)
    failed = [f"{row.name}: {row.figure} ({row.detail})" for row in report.rows if row.passed is False]
    assert not failed, failed
    not_applicable = {row.name for row in report.rows if row.passed is None}
    expected = set()
    if name == "mamba":
        expected |= {"W_Q = module queries (x scale)", "W_K = module keys"}
    if not lm.facts.causal:
        expected |= {"next-token distribution = logits", "incremental = full forward", "incremental top-1 = full top-1"}
    assert not_applicable == expected
    check(report.to_dict(), SCHEMA)


def test_a_reader_that_swaps_queries_and_keys_fails(tiny_arch, monkeypatch) -> None:
    monkeypatch.setitem(READERS, "bert", replace(READERS["bert"], projections=("key", "query")))
    report = check_model(tiny_arch("bert"), FAST)
    rows = {row.name: row for row in report.rows}
    assert rows["W_Q = module queries (x scale)"].passed is False and rows["W_Q = module queries (x scale)"].figure > 0.5
    assert not report.passed and rows["capture = hidden states"].passed


def test_a_wrong_qk_norm_convention_fails(tiny_arch, monkeypatch) -> None:
    monkeypatch.setitem(READERS, "qwen3", replace(READERS["qwen3"], qk_norm="gemma"))  # (1 + w) where Qwen3 uses w
    rows = {row.name: row for row in check_model(tiny_arch("qwen3"), FAST).rows}
    assert rows["W_Q = module queries (x scale)"].passed is False


def test_a_missing_final_norm_fails(tiny_arch) -> None:
    lm = tiny_arch("llama")
    broken = replace(lm, layout=replace(lm.layout, final_norm=None))
    rows = {row.name: row for row in check_model(broken, FAST).rows}
    assert rows["final norm = last_hidden_state"].passed is False


def test_cli_exit_codes(cli, tiny_arch_dir, monkeypatch, tmp_path: Path) -> None:
    import json

    code, out, _ = cli("lm", "check", str(tiny_arch_dir("gpt2")), "--json", "--threads", "1")
    assert code == 0 and json.loads(out)["passed"] is True
    monkeypatch.setitem(READERS, "llama", replace(READERS["llama"], projections=("k_proj", "q_proj")))
    code, out, _ = cli("lm", "check", str(tiny_arch_dir("llama")), "--threads", "1")  # 2 query heads, 4 key heads
    assert code == 1 and "FAIL  W_Q = module queries" in out and out.rstrip().endswith("SOME CHECKS FAIL")
    assert "query heads must be a multiple of key heads" in out
    code, _, err = cli("lm", "check", str(tmp_path / "nothing-here"))
    assert code == 2 and err.startswith("error: unknown model spec")
    code, _, err = cli("lm", "check", str(tiny_arch_dir("gpt2")), "--threads", "0")
    assert code == 2 and "--threads must be at least 1" in err
