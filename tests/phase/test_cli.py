"""`semphys phase run` as a user runs it, and the report in headless Chromium."""

import json
import subprocess
import sys
from pathlib import Path

from semphys.evidence import check_claims
from semphys.phase.report import write_report

TINY_PROMPTS = """\
words:
  bank:
    senses: [finance, river]
    anchors:
      finance: ["She deposited her savings at the bank", "I sat by the bank"]
      river: ["I sat by the river bank"]
    prompts:
      - {label: neutral, text: "The bank"}
      - {label: strong_river, text: "I sat by the river bank and watched the water", sense: river}
    hints: [money]
    gradient:
      river: "I sat by the river bank"
"""


def semphys(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "semphys.cli", "phase", *args], capture_output=True, text=True)


def _one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in errors[0]


def test_run_with_a_prompts_file_prints_json(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "p.yaml"
    prompts.write_text(TINY_PROMPTS)
    out = tmp_path / "out"
    result = semphys("run", "--model", str(tiny_gpt2_dir), "--prompts", str(prompts), "--out", str(out),
                     "--bootstrap", "5", "--no-cache", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert Path(document["report"]).is_file() and Path(document["results"]).is_file()
    assert {row["key"] for row in document["claims"]} >= {"amplitude", "jump"}
    assert all(row["kind"] != "exploratory" for row in document["claims"])
    assert check_claims(document) == len(document["claims"])  # the rows are the evidence rows themselves
    assert (out / "order_parameter.png").is_file() and (out / "qk_pca.png").is_file()


def test_user_mistakes_exit_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_PROMPTS.replace("sense: river}", "sense: sky}"))
    _one_line_error(semphys("run", "--prompts", str(bad), "--out", str(tmp_path / "o")),
                    "bad.yaml:9: words.bank.prompts[1].sense: unknown sense 'sky'; allowed: finance, river")


def test_report_opens_cleanly(builtin_run, open_page, tmp_path: Path) -> None:
    report = write_report(builtin_run.results, builtin_run.figures, tmp_path)
    page = report.read_text()
    assert page.index("Findings at a glance") < page.index("Verdict: spec 001 success criteria")
    for fragment in ("Verdict: spec 001 success criteria", "Experiment 6", "p adj. (floor)", "smooth rise", "strong_animal_left", "Q4_K_M",
                     "W_Q W_K^T", "shuffled"):
        assert fragment in page
    check = open_page(report)
    assert len(check.images) >= 7 and not check.problems, check.problems
