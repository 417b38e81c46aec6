"""`semphys data ...`: real WordNet from Debian, and the one-line error when it is missing."""

import json
import subprocess
import sys
from pathlib import Path


def semphys(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "semphys.cli", *args], capture_output=True, text=True)


def test_senses_json_lists_bank_in_wordnet_order() -> None:
    result = semphys("data", "senses", "bank", "--json")
    assert result.returncode == 0, result.stderr
    senses = json.loads(result.stdout)
    assert len(senses) == 10
    assert senses[0]["synset_id"] == "bank.n.01" and senses[0]["lexname"] == "noun.object"
    assert senses[1]["lexname"] == "noun.group"


def test_missing_debian_data_is_a_one_line_error(tmp_path: Path) -> None:
    for args in (("senses", "bank"), ("info",)):
        result = semphys("data", *args, "--wordnet-dir", str(tmp_path))
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines() == [
            f"error: WordNet 3.0 is not installed ({tmp_path}/data.noun missing): "
            "run `sudo apt-get install wordnet-base wordnet-sense-index` (or `make install`)"
        ]


def test_info_reports_the_split_and_tokenizer() -> None:
    result = semphys("data", "info", "--json")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["train_documents"] + facts["valid_documents"] == 117_659
    assert 0.04 < facts["valid_documents"] / 117_659 < 0.06
    assert facts["vocab_size"] == 4096 and facts["valid_tokens"] > 0
