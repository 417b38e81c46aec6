"""`semphys lm ...` end to end, as a user runs it: real models, one-line errors with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path


def semphys(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "semphys.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_info_json_is_one_document(tiny_gpt2_dir: Path) -> None:
    result = semphys("lm", "info", "--model", str(tiny_gpt2_dir), "--json")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["n_layers"] == 2 and facts["load_seconds"] > 0


def _assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0]


def test_unknown_model(tmp_path: Path) -> None:
    _assert_one_line_error(
        semphys("lm", "info", "--model", "no/such-model"), "unknown model spec 'no/such-model'", "embedded, minilm"
    )


def test_help_lists_subsystems() -> None:
    result = semphys("--help")
    assert result.returncode == 0
    assert "lm" in result.stdout and "demo" in result.stdout


def test_truncated_weights_are_a_one_line_error(cli, tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_gpt2_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    code, _, err = cli("lm", "info", "--model", str(broken))
    assert code == 2 and err.count("\n") == 1 and "damaged or truncated .safetensors file" in err


def test_info_names_the_reader_and_the_layout(cli, tiny_gpt2_dir: Path) -> None:
    code, out, _ = cli("lm", "info", "--model", str(tiny_gpt2_dir), "--json")
    facts = json.loads(out)
    assert code == 0 and facts["reader"] == "gpt2 c_attn"
    assert (facts["layout_blocks"], facts["layout_final_norm"]) == ("h", "ln_f")
