"""`semphys phase run` as a user runs it, and the report in headless Chromium."""

import json
import subprocess
import sys
from pathlib import Path

from semphys.evidence import check_claims
from semphys.experiments.phase.report import write_report

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
    result = semphys(
        "run",
        "--model",
        str(tiny_gpt2_dir),
        "--prompts",
        str(prompts),
        "--out",
        str(out),
        "--bootstrap",
        "5",
        "--no-cache",
        "--json",
    )
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
    _one_line_error(
        semphys("run", "--prompts", str(bad), "--out", str(tmp_path / "o")),
        "bad.yaml:9: words.bank.prompts[1].sense: unknown sense 'sky'; allowed: finance, river",
    )


def test_report_opens_cleanly(builtin_run, open_page, tmp_path: Path) -> None:
    report = write_report(builtin_run.results, builtin_run.figures, tmp_path)
    page = report.read_text()
    assert page.index("Findings at a glance") < page.index("Verdict: spec 001 success criteria")
    for fragment in (
        "Verdict: spec 001 success criteria",
        "Experiment 6",
        "p adj. (floor)",
        "smooth rise",
        "strong_animal_left",
        "Q4_K_M",
        "W_Q W_K^T",
        "shuffled",
    ):
        assert fragment in page
    check = open_page(report)
    assert len(check.images) >= 7 and not check.problems, check.problems


def test_phase_run_claims_its_out_like_every_other_command(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = cli("phase", "run", "--model", "no/such-model", "--out", str(out))
    assert code == 2  # the model is checked first; a real one meets the claim's refusal:
    from semphys.core.rundir import MANIFEST

    other = tmp_path / "other"
    other.mkdir()
    (other / MANIFEST).write_text(json.dumps({"command": "cvfp train", "fingerprint": "x"}))
    code, _, err = cli("phase", "run", "--model", "minilm", "--out", str(other), "--words", "bank")
    assert code == 2 and "holds a `semphys cvfp train` run" in err and err.count("\n") == 1
    code, _, err = cli("phase", "run", "--model", "minilm", "--out", str(out), "--words", "bank")
    assert code == 2 and "not a semphys run directory" in err and (out / "notes.txt").read_text() == "mine"


def test_two_phase_runs_into_one_out_one_succeeds_the_other_is_refused(tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "p.yaml"
    prompts.write_text(TINY_PROMPTS)
    out = tmp_path / "out"
    args = [
        "run",
        "--model",
        str(tiny_gpt2_dir),
        "--prompts",
        str(prompts),
        "--out",
        str(out),
        "--bootstrap",
        "2",
        "--no-cache",
        "--no-qk-pca",
    ]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "semphys.cli", "phase", *args, "--seed", str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (0, 1)
    ]
    results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    assert sorted(code for code, _ in results) == [0, 2], results
    code, err = next(r for r in results if r[0] == 2)
    refusal = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(refusal) == 1 and ("in use by another semphys run" in refusal[0] or "other settings" in refusal[0])
    winner = 0 if results[0][0] == 0 else 1
    manifest = json.loads((out / "semphys-run.json").read_text())
    assert manifest["command"] == "phase run" and manifest["config"]["config"]["seed"] == winner
    assert json.loads((out / "results.json").read_text())["config"]["seed"] == winner
