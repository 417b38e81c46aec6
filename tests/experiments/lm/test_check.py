"""`semphys lm check` (semphys.experiments.lm.check): its document against its schema, its text, exit codes."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from semphys.core.jsondoc import check
from semphys.core.rundir import release_run_dirs
from semphys.evidence import check_claims
from semphys.experiments.lm.check import CHECK_SCHEMA, CheckOptions, CheckResult
from semphys.lm.check import CheckConfig, check_model
from semphys.lm.readers import READERS


@pytest.mark.parametrize("name", ["gpt2", "bert"])
def test_the_document_matches_its_schema_and_the_text_has_one_line_per_claim(name: str, tiny_arch, tmp_path) -> None:
    result = CheckResult(CheckOptions(name, threads=1), check_model(tiny_arch(name), CheckConfig(threads=1)))
    document = result.document()
    check(document, CHECK_SCHEMA)
    assert check_claims(document) == len(document["claims"]) == 9 and document["passed"] is True
    lines = result.lines()
    assert len(lines) == 11 and lines[-1] == "all checks pass"
    try:
        saved = result.save(tmp_path / "run")
    finally:
        release_run_dirs()
    assert json.loads(saved.read_text()) == json.loads(json.dumps(document))


def test_cli_exit_codes(cli, tiny_arch_dir, monkeypatch, tmp_path: Path) -> None:
    code, out, _ = cli("lm", "check", str(tiny_arch_dir("gpt2")), "--json", "--threads", "1")
    assert code == 0 and json.loads(out)["passed"] is True
    check_claims(json.loads(out))
    monkeypatch.setitem(READERS, "llama", replace(READERS["llama"], projections=("k_proj", "q_proj")))
    code, out, _ = cli("lm", "check", str(tiny_arch_dir("llama")), "--threads", "1")  # 2 query heads, 4 key heads
    assert code == 1 and "FAIL  W_Q = module queries" in out and out.rstrip().endswith("SOME CHECKS FAIL")
    assert "query heads must be a multiple of key heads" in out and "scored as the zero reading" in out
    code, _, err = cli("lm", "check", str(tmp_path / "nothing-here"))
    assert code == 2 and err.startswith("error: unknown model spec")
    code, _, err = cli("lm", "check", str(tiny_arch_dir("gpt2")), "--threads", "0")
    assert code == 2 and "--threads must be at least 1" in err
