"""`semphys langevin ...` as a user runs it (in-process): JSON documents, files, one-line errors with exit 2."""

import json
from pathlib import Path

import numpy as np
import pytest

from semphys.core.jsondoc import schema_path
from semphys.evidence import check_claims, check_document
from semphys.experiments.langevin import generate, simulate, validate


def _one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0]


def test_validate_json_is_one_document(cli) -> None:
    code, out, err = cli("langevin", "validate", "--json", "--check", "fep_rc_step_response", "--check", "weak_order")
    assert code == 0, err
    document = json.loads(out)
    assert document["passed"] is True
    check_document(document, schema_path(validate.__file__, "validate"))
    assert [row["name"] for row in document["checks"]] == ["fep_rc_step_response", "weak_order"]
    assert {"measured", "expected", "tolerance"} <= set(document["checks"][0]) and "passed" not in document["checks"][0]
    assert check_claims(document) == 2 and {row["kind"] for row in document["claims"]} == {"check"}


def test_validate_unknown_check(cli) -> None:
    _one_line_error(*cli("langevin", "validate", "--check", "nope")[::2], "unknown check nope", "vmf_overdamped")


def test_simulate_writes_trajectories_fep_summary_and_plots(cli, tmp_path: Path) -> None:
    code, _, err = cli(
        "langevin",
        "simulate",
        "--potential",
        "linear",
        "--out",
        str(tmp_path),
        "--steps",
        "300",
        "--n-particles",
        "400",
        "--dt",
        "0.02",
        "--temperature",
        "0.5",
        "--kappa",
        "2",
    )
    assert code == 0, err
    summary = json.loads((tmp_path / "summary.json").read_text())
    check_document(summary, schema_path(simulate.__file__, "summary"))
    assert abs(summary["final_mean_mu_dot_x"] - summary["theory_mean_mu_dot_x"]) < 0.05
    assert summary["versions"]["torch"] and summary["config"]["seed"] == 0
    with np.load(tmp_path / "trajectory.npz") as data:
        assert data["positions"].shape == (31, 16, 3) and data["fep"].shape == (31, 16, 3)
        assert data["lambda_mean"].shape == (300,)
    for name in ("trajectories.png", "histogram.png", "fep.png"):
        assert (tmp_path / name).stat().st_size > 5000


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--dt", "0"], ["--dt must be greater than 0, got 0.0"]),
        (["--dt", "-0.1"], ["--dt must be greater than 0, got -0.1"]),
        (["--temperature", "-1"], ["--temperature must be 0 or more, got -1.0"]),
        (["--eta", "-2"], ["--eta must be greater than 0, got -2.0"]),
        (["--mu", "1,0,0", "--dim", "4"], ["dimension mismatch", "d=3", "d=4"]),
        (["--start", "0,0,0"], ["zero vector"]),
        (["--dt", "5"], ["unstable", "use dt <="]),
        (["--potential", "quadratic"], ["potential 'quadratic'", "linear, double-well, mixture"]),
        (["--retraction", "spline"], ["--retraction: unknown value 'spline'", "normalize, exponential, extrinsic"]),
    ],
)
def test_simulate_bad_input(cli, tmp_path: Path, args: list[str], fragments: list[str]) -> None:
    base = [
        "langevin",
        "simulate",
        "--potential",
        "linear",
        "--out",
        str(tmp_path),
        "--steps",
        "5",
        "--n-particles",
        "8",
    ]
    # a later --potential wins over the first
    code, _, err = cli(*base, *args)
    _one_line_error(code, err, *fragments)


def test_a_user_potential_that_returns_nan(cli, tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text("import torch\n\ndef energy(x, t):\n    return x[:, 0] * float('nan')\n")
    code, _, err = cli(
        "langevin",
        "simulate",
        "--potential",
        f"{source}:energy",
        "--out",
        str(tmp_path / "out"),
        "--steps",
        "5",
        "--n-particles",
        "8",
    )
    _one_line_error(code, err, "non-finite force at step 0, particle 0")


def test_non_unit_start_is_normalised_with_a_warning(cli, tmp_path: Path) -> None:
    code, _, err = cli(
        "langevin",
        "simulate",
        "--potential",
        "linear",
        "--out",
        str(tmp_path),
        "--steps",
        "5",
        "--n-particles",
        "8",
        "--start",
        "0,0,2",
    )
    assert code == 0, err
    assert "warning:" in err and "normalised onto the sphere" in err


def test_generate_json_with_comparison(cli, tmp_path: Path, tiny_gpt2_dir: Path) -> None:
    code, out, err = cli(
        "langevin",
        "generate",
        "--model",
        str(tiny_gpt2_dir),
        "--prompt",
        "the river",
        "--n-tokens",
        "3",
        "--top-k",
        "4",
        "--n-steps",
        "20",
        "--compare",
        "--json",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    document = json.loads(out)
    assert [row["decoder"] for row in document["metrics"]] == ["greedy", "sampling T=0.7", "sampling T=1", "langevin"]
    steps = document["generations"][-1]["steps"]
    assert len(steps) == 3 and "bhattacharyya_end" in steps[0]
    written = json.loads((tmp_path / "generation.json").read_text())
    assert written["versions"]
    check_document(written, schema_path(generate.__file__, "generate"))
    check_document(document, schema_path(generate.__file__, "generate"))


def test_generate_bad_temperature(cli, tiny_gpt2_dir: Path) -> None:
    code, _, err = cli("langevin", "generate", "--model", str(tiny_gpt2_dir), "--prompt", "a", "--temperature", "-1")
    _one_line_error(code, err, "temperature_end = -1.0 is not allowed")


def test_validation_json_on_disk_matches_its_schema(cli, tmp_path: Path) -> None:
    code, _, err = cli("langevin", "validate", "--check", "fep_rc_step_response", "--out", str(tmp_path / "v"))
    assert code == 0, err
    check_document(
        json.loads((tmp_path / "v" / "validation.json").read_text()), schema_path(validate.__file__, "validate")
    )


def test_the_same_seed_gives_the_same_summary_numbers(cli, tmp_path: Path) -> None:
    """The stability check's power iteration once drew from torch's global generator (1e-3 apart)."""
    summaries = []
    for name in ("a", "b"):
        code, _, err = cli(
            "langevin",
            "simulate",
            "--potential",
            "mixture",
            "--out",
            str(tmp_path / name),
            "--steps",
            "20",
            "--n-particles",
            "16",
        )
        assert code == 0, err
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        summaries.append((summary["stats"]["step_checks"], summary["final_mean_mu_dot_x"]))
    assert summaries[0] == summaries[1]


def test_a_rerun_into_the_same_run_replaces_every_output(cli, tmp_path: Path) -> None:
    args = (
        "langevin",
        "simulate",
        "--potential",
        "linear",
        "--out",
        str(tmp_path / "r"),
        "--steps",
        "20",
        "--n-particles",
        "8",
    )
    assert cli(*args)[0] == 0
    (tmp_path / "r" / "fep.png").write_bytes(b"stale")
    assert cli(*args)[0] == 0
    assert (tmp_path / "r" / "fep.png").read_bytes() != b"stale"
    code, _, err = cli(*args[:-1], "9")
    assert code == 2 and "n_particles differ" in err


def test_a_simulation_run_in_memory_claims_its_directory_when_saved(tmp_path: Path) -> None:
    from semphys.core.rundir import release_run_dirs
    from semphys.experiments.langevin.simulate import SimulateConfig, run

    result = run(SimulateConfig(potential="linear", out=tmp_path / "unused", steps=20, n_particles=8))
    try:
        path = result.save(tmp_path / "notebook")
    finally:
        release_run_dirs()
    assert path == tmp_path / "notebook" / "summary.json" and not (tmp_path / "unused").exists()
    assert json.loads(path.read_text())["files"] == result.files
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([*result.files, "semphys-run.json"])
