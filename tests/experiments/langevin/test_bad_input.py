"""`semphys langevin ...` refuses bad input up front: one `error:` line, exit 2, nothing written, no model
loaded, no step run (the `refused` fixture checks all of that)."""

from pathlib import Path

import pytest

SIMULATE = ("langevin", "simulate", "--potential", "linear", "--steps", "60000", "--n-particles", "8")


def _other_run(tmp_path: Path) -> Path:
    from semphys.core.rundir import claim_run_dir

    other = tmp_path / "other"
    claim_run_dir(other, "cvfp train", {"steps": 1})
    return other


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--dt", "nan"], "--dt must be a finite number, got nan"),
        (["--dt", "0"], "--dt must be greater than 0"),
        (["--temperature", "inf"], "--temperature must be a finite number"),
        (["--temperature", "-0.5"], "--temperature must be 0 or more"),
        (["--eta", "0"], "--eta must be greater than 0"),
        (["--mass", "nan"], "--mass must be a finite number"),
        (["--kappa", "nan"], "--kappa must be a finite number"),
        (["--fep-tau", "0"], "--fep-tau must be greater than 0"),
        (["--n-particles", "0"], "--n-particles must be at least 1, got 0"),
        (["--record-every", "0"], "--record-every must be at least 1, got 0"),
        (["--dim", "1"], "--dim must be at least 2, got 1"),
        (["--schedule", "cosine"], "--schedule: unknown value 'cosine'"),
        (["--scheme", "implicit"], "--scheme: unknown value 'implicit'"),
        (["--mu", "0,nan,1"], "--mu must be a finite number"),
        (["--start", "0,x,1"], "--start: 'x' is not a valid float"),
        (["--mu", ""], "--mu is empty"),
        (["--dim", "100000", "--n-particles", "1000000"], "--n-particles 1000000 x --dim 100000 needs"),
        # refused by the engine started for zero steps in `SimulateConfig.validate`, before the directory is claimed
        (["--dt", "5"], "use dt <="),
        (["--start", "0,0,0"], "zero vector"),
        (["--mu", "1,0,0", "--dim", "4"], "dimension mismatch"),
    ],
)
def test_simulate_refuses_before_simulating(refused, tmp_path: Path, args: list[str], match: str) -> None:
    refused(*SIMULATE, "--out", str(tmp_path / "run"), *args, match=match, untouched=tmp_path)


def test_simulate_with_a_file_as_out_fails_at_once(refused, tmp_path: Path) -> None:
    """It simulated for 15 s, then died with FileExistsError."""
    target = tmp_path / "file"
    target.write_text("mine")
    refused(*SIMULATE, "--out", str(target), match="is a file, not a directory", untouched=target)


def test_simulate_refuses_another_commands_run(refused, tmp_path: Path) -> None:
    other = _other_run(tmp_path)
    refused(*SIMULATE, "--out", str(other), match="holds a `semphys cvfp train` run", untouched=other)


@pytest.mark.parametrize(
    ("source", "match"),
    [
        (
            "def energy(x, t):\n    raise ValueError('no energy here')\n",
            "your potential raised ValueError: no energy here (bad.py:2)",
        ),
        ("def energy(x):\n    return x[:, 0]\n", "your potential must be a function U(x, t)"),
        ("def energy(x, t):\n    return x\n", "must return one energy per particle"),
        ("import not_a_module\n", "cannot import potential file"),
        ("energy = 3\n", "has no function 'energy'"),
    ],
)
def test_a_bad_user_potential_is_named_with_its_file_and_line(refused, tmp_path: Path, source: str, match: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(source)
    refused(
        "langevin",
        "simulate",
        "--potential",
        f"{path}:energy",
        "--out",
        str(tmp_path / "run"),
        "--steps",
        "60000",
        "--n-particles",
        "8",
        match=match,
    )
    assert not (tmp_path / "run").exists()


def test_a_user_potential_that_fails_mid_run_is_reported_as_theirs(cli, tmp_path: Path) -> None:
    path = tmp_path / "late.py"
    path.write_text(
        "def energy(x, t):\n    if t > 0.05:\n        raise RuntimeError('too late')\n    return x[:, -1]\n"
    )
    code, _, err = cli(
        "langevin",
        "simulate",
        "--potential",
        f"{path}:energy",
        "--out",
        str(tmp_path / "run"),
        "--steps",
        "20",
        "--n-particles",
        "8",
    )
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "error: your potential raised RuntimeError: too late (late.py:3)"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--rut", "nan"], "rut_strength (--rut) must be a finite number"),
        (["--steer-strength", "nan"], "steer_strength (--steer-strength) must be a finite number"),
        (["--temperature", "nan"], "temperature_end = nan is not allowed"),
        (["--melt", "inf"], "temperature_melt = inf is not allowed"),
        (["--kappa", "0"], "kappa = 0.0 is not allowed"),
        (["--n-tokens", "0"], "--n-tokens must be at least 1, got 0"),
        (["--top-k", "1"], "--top-k must be at least 2, got 1"),
        (["--samples", "0"], "--samples must be at least 1"),
        (["--steer", " "], "--steer is empty"),
        (["--landscape", "flat"], "landscape 'flat' is not allowed"),
        (["--model", "/no/such/model"], "/no/such/model"),
    ],
)
def test_generate_refuses_before_loading_the_model(refused, args: list[str], match: str) -> None:
    refused("langevin", "generate", "--prompt", "The old", *args, match=match)


def test_generate_refuses_a_file_as_out(refused, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("mine")
    refused("langevin", "generate", "--prompt", "The old", "--out", str(target), match="is a file", untouched=target)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--check", "nope"], "unknown check nope"),
        (["--check", "weak_order", "--check", "nope"], "unknown check nope"),
        (["--seed", "x"], "Invalid value for '--seed'"),
    ],
)
def test_validate_refuses_before_running(refused, args: list[str], match: str) -> None:
    refused("langevin", "validate", *args, match=match)


def test_validate_refuses_another_commands_run(refused, tmp_path: Path) -> None:
    other = _other_run(tmp_path)
    refused(
        "langevin",
        "validate",
        "--check",
        "weak_order",
        "--out",
        str(other),
        match="holds a `semphys cvfp train` run",
        untouched=other,
    )
