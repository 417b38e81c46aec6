"""`semphys langevin ...`: validate the simulator, simulate a landscape, generate text with the dynamics."""

import json
import sys
import warnings
from pathlib import Path

import typer

from semphys.errors import UserError

app = typer.Typer(help="The constrained Langevin equation on the sphere (spec 4): validate, simulate, generate.",
                  no_args_is_help=True)

MODEL_HELP = "Causal model: `embedded` (Gemma-3-270M, packaged), a local directory or a hub id."


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _floats(text: str | None, what: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UserError(f"{what} {text!r}: give comma-separated numbers such as 0,0,1") from None


@app.command()
def validate(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout (every row: name, measured, expected, tolerance, passed)."),
    check: list[str] = typer.Option([], "--check", help="Run only this check (repeatable); default all."),
    seed: int = typer.Option(0, "--seed", help="Seed of every simulation."),
    out: Path | None = typer.Option(None, "--out", help="Also write validation.json (rows, details, versions) here."),
) -> None:
    """Run the simulator against theory: vMF, equipartition, constraint, eta(x), OU/RC, Kramers, weak order.

    Exit code 0 when every row passes, 1 when one fails, 2 for a bad option.
    """
    from semphys.langevin.validation import CHECKS, run_validation

    unknown = [c for c in check if c not in CHECKS]
    if unknown:
        raise UserError(f"unknown check {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
    rows = run_validation(check or None, seed=seed, progress=lambda name: _err(f"checking {name} ..."))
    document = {"passed": all(r.passed for r in rows), "seed": seed,
                "checks": [r.to_dict(with_detail=False) for r in rows]}
    if out is not None:
        from semphys.io import write_text_atomic
        from semphys.provenance import collect_provenance

        full = {**document, "checks": [r.to_dict() for r in rows], **collect_provenance()}
        path = write_text_atomic(out / "validation.json", json.dumps(full, indent=2, default=_json_default) + "\n")
        _err(f"wrote {path}")
    if as_json:
        print(json.dumps(document, indent=2))
    else:
        print(f"{'check':32s} {'measured':>12s} {'expected':>12s} {'tolerance':>10s}  result")
        for r in rows:
            tol = f"{r.tolerance:.3g}" + (" rel" if r.relative else "")
            print(f"{r.name:32s} {r.measured:12.6g} {r.expected:12.6g} {tol:>10s}  {'pass' if r.passed else 'FAIL'}")
    if not document["passed"]:
        raise typer.Exit(1)


def _json_default(value: object) -> object:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return str(value)


def _user_potential(spec: str):
    """`path/to/file.py:function` -> EnergyFunction."""
    import importlib.util

    from semphys.langevin.potentials import EnergyFunction

    path, _, name = spec.rpartition(":")
    if not path.endswith(".py") or not name:
        raise UserError(f"potential {spec!r}: give a built-in name (linear, double-well, mixture) or FILE.py:FUNCTION")
    if not Path(path).is_file():
        raise UserError(f"potential file {path} does not exist")
    module_spec = importlib.util.spec_from_file_location("semphys_user_potential", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001 - the user's file: any error in it is theirs
        raise UserError(f"cannot import potential file {path}: {type(err).__name__}: {err}") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise UserError(f"potential file {path} has no function {name!r}")
    return EnergyFunction(fn, name=f"{Path(path).name}:{name}")


@app.command()
def simulate(
    potential: str = typer.Option(..., "--potential", help="linear (von Mises-Fisher), double-well, mixture, or FILE.py:FUNCTION (U(x, t) -> [n], torch)."),
    out: Path = typer.Option(..., "--out", help="Output directory: trajectory.npz, summary.json, PNG plots."),
    dim: int = typer.Option(3, "--dim", help="Dimension d of the ambient space (the sphere is S^(d-1))."),
    n_particles: int = typer.Option(512, "--n-particles", help="Number of particles."),
    steps: int = typer.Option(2000, "--steps", help="Integration steps."),
    dt: float = typer.Option(0.01, "--dt", help="Time step (> 0; refused above the stability limit)."),
    scheme: str = typer.Option("overdamped", "--scheme", help="overdamped (projected Euler-Maruyama) or underdamped (g-BAOAB)."),
    retraction: str = typer.Option("normalize", "--retraction", help="overdamped: normalize (projected EM), exponential (great circle) or extrinsic (ambient Ito EM; smallest stationary bias)."),
    temperature: float = typer.Option(0.2, "--temperature", help="T = 1/beta (>= 0); start temperature of a schedule."),
    schedule: str = typer.Option("constant", "--schedule", help="constant, linear, exponential or stepwise."),
    temperature_end: float | None = typer.Option(None, "--temperature-end", help="End temperature of a schedule."),
    eta: float = typer.Option(1.0, "--eta", help="Viscosity eta (> 0)."),
    eta_gradient: float = typer.Option(0.0, "--eta-gradient", help="Position-dependent viscosity eta exp(a mu.x): a."),
    mass: float = typer.Option(1.0, "--mass", help="Mass m (> 0), underdamped."),
    kappa: float = typer.Option(5.0, "--kappa", help="linear: concentration; mixture: well sharpness."),
    barrier: float = typer.Option(1.0, "--barrier", help="double-well: barrier height dU."),
    mu: str | None = typer.Option(None, "--mu", help="Direction (linear) / axis (double-well), comma-separated; default the last axis."),
    n_wells: int = typer.Option(3, "--n-wells", help="mixture: number of wells (random centres from --seed)."),
    start: str | None = typer.Option(None, "--start", help="One start vector for every particle, comma-separated (normalised with a warning if not unit); default uniform."),
    fep_tau: float = typer.Option(0.5, "--fep-tau", help="Time constant of the floating equilibrium point (EMA)."),
    record_every: int = typer.Option(10, "--record-every", help="Record positions every this many steps."),
    record_particles: int = typer.Option(16, "--record-particles", help="Record this many particles."),
    seed: int = typer.Option(0, "--seed", help="Seed of the noise and the random starts."),
) -> None:
    """Simulate many particles in a landscape; write the trajectories, the FEP, statistics and plots.

    OUT/trajectory.npz: times [R], positions [R, p, d] and fep [R, p, d] (the EMA, not normalised) of
    the first p = --record-particles particles every --record-every steps, x_final [n, d], v_final
    [n, d] (underdamped, else empty), lambda_mean [steps] (mean constraint multiplier), temperature
    [steps]. OUT/summary.json: config, run statistics (stiffness checks, constraint drift, speed),
    the final mean of mu.x (and its vMF value for a linear potential at constant T), versions.
    OUT/*.png: trajectories on S^2 (d = 3), histogram of mu.x against theory (linear), FEP vs raw.
    """
    import numpy as np
    import torch

    from semphys.figures import save_figure
    from semphys.io import atomic_path, write_text_atomic
    from semphys.langevin import plots, theory
    from semphys.langevin.engine import simulate as run_simulation
    from semphys.langevin.equation import LangevinSystem
    from semphys.langevin.friction import ConstantFriction, ExponentialFriction
    from semphys.langevin.potentials import DoubleWell, LinearPotential, MixtureOfWells
    from semphys.langevin.schedules import make_schedule
    from semphys.langevin.sphere import uniform_on_sphere
    from semphys.provenance import collect_provenance

    if n_particles < 1 or steps < 1 or record_every < 1 or record_particles < 1:
        raise UserError("--n-particles, --steps, --record-every and --record-particles must be >= 1")
    if dim < 2:
        raise UserError(f"--dim {dim}: the sphere S^(d-1) needs d >= 2")
    gen = torch.Generator().manual_seed(seed)
    direction = _floats(mu, "--mu")
    axis = torch.tensor(direction, dtype=torch.float64) if direction else torch.eye(dim, dtype=torch.float64)[-1]
    if potential == "linear":
        pot = LinearPotential(axis, kappa)
    elif potential == "double-well":
        pot = DoubleWell(axis, barrier)
    elif potential == "mixture":
        if n_wells < 1:
            raise UserError(f"--n-wells {n_wells}: give at least one well")
        centers = uniform_on_sphere(n_wells, dim, gen)
        pot = MixtureOfWells(centers, torch.ones(n_wells), kappa, scale=1.0)
    else:
        pot = _user_potential(potential)
    duration = steps * dt
    temp = make_schedule(schedule, temperature, temperature_end, duration if schedule != "constant" else None)
    friction = ConstantFriction(eta) if eta_gradient == 0 else ExponentialFriction(eta, axis, eta_gradient)
    system = LangevinSystem(pot, friction=friction, mass=mass, temperature=temp)
    if start is not None:
        vector = torch.tensor(_floats(start, "--start"), dtype=torch.float64)
        x0 = vector.expand(n_particles, -1).clone()
    else:
        x0 = uniform_on_sphere(n_particles, dim, gen)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_simulation(system, x0, dt=dt, n_steps=steps, scheme=scheme, seed=seed, record_every=record_every,
                             record_particles=record_particles, fep_tau=fep_tau, progress=True, retraction=retraction)
    for warning in caught:
        _err(f"warning: {warning.message}")
    out.mkdir(parents=True, exist_ok=True)
    z = (run.x @ axis.to(run.x.dtype)).numpy() if run.x.shape[1] == axis.shape[0] else None
    summary = {
        "config": {"potential": potential, "dim": dim, "n_particles": n_particles, "steps": steps, "dt": dt,
                   "scheme": scheme, "retraction": retraction, "temperature": temperature, "schedule": schedule, "temperature_end": temperature_end,
                   "eta": eta, "eta_gradient": eta_gradient, "mass": mass, "kappa": kappa, "barrier": barrier,
                   "mu": axis.tolist(), "n_wells": n_wells, "start": start, "fep_tau": fep_tau,
                   "record_every": record_every, "record_particles": record_particles, "seed": seed},
        "stats": run.stats.to_dict(),
        "final_mean_mu_dot_x": None if z is None else float(z.mean()),
        "lambda_mean_last": None if run.lambda_mean is None else float(run.lambda_mean[-1]),
        **collect_provenance(),
    }
    if potential == "linear" and schedule == "constant" and temperature > 0:
        summary["theory_mean_mu_dot_x"] = theory.mean_resultant_length(dim, kappa / temperature)
    with atomic_path(out / "trajectory.npz") as tmp, open(tmp, "wb") as handle:
        np.savez(handle, times=run.times.numpy(), positions=run.positions.numpy(), fep=run.fep.numpy(),
                 x_final=run.x.numpy(), v_final=run.v.numpy() if run.v is not None else np.zeros(0),
                 lambda_mean=run.lambda_mean.numpy() if run.lambda_mean is not None else np.zeros(0),
                 temperature=run.temperature.numpy())
    figures = {}
    if dim == 3:
        wells = pot.centers.numpy() if potential == "mixture" else None
        figures["trajectories.png"] = plots.trajectories_on_sphere(run.positions[:, :6].numpy(),
                                                                   f"{potential} on S^2", wells)
    if z is not None:
        beta_kappa = kappa / temperature if potential == "linear" and temperature > 0 and schedule == "constant" else None
        if beta_kappa is not None:
            figures["histogram.png"] = plots.stationary_histogram(z, dim, beta_kappa)
    coordinate = run.positions[:, 0, -1].numpy()
    figures["fep.png"] = plots.fep_vs_raw(run.times.numpy(), coordinate, run.fep[:, 0, -1].numpy(), None, fep_tau)
    for name, fig in figures.items():
        save_figure(fig, out / name, dpi=120)
    summary["files"] = ["trajectory.npz", "summary.json", *figures]
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=_json_default) + "\n")
    _err(f"wrote {out}: {', '.join(summary['files'])}; {run.stats.particle_steps_per_second:,.0f} particle-steps/s")
    print(out / "summary.json")


@app.command()
def generate(
    prompt: list[str] = typer.Option(..., "--prompt", "-p", help="Text to continue; repeat for several."),
    model: str = typer.Option("embedded", "--model", "-m", help=MODEL_HELP),
    n_tokens: int = typer.Option(24, "--n-tokens", help="Tokens to generate per prompt."),
    top_k: int = typer.Option(16, "--top-k", help="Candidates per step: the sphere is S^(k-1)."),
    landscape: str = typer.Option("bhattacharyya", "--landscape", help="bhattacharyya (one well at sqrt(q)) or wells (one per candidate)."),
    kappa: float = typer.Option(1.0, "--kappa", help="Depth of the Bhattacharyya well."),
    temperature_end: float = typer.Option(0.02, "--temperature", help="Temperature at crystallisation (>= 0)."),
    temperature_melt: float | None = typer.Option(None, "--melt", help="Start temperature of each step (anneal to --temperature); default none."),
    n_steps: int = typer.Option(150, "--n-steps", help="Integration steps per token."),
    dt: float = typer.Option(0.04, "--dt", help="Time step of the dynamics."),
    scheme: str = typer.Option("overdamped", "--scheme", help="overdamped or underdamped."),
    eta: float = typer.Option(1.0, "--eta", help="Viscosity."),
    rut_strength: float = typer.Option(0.0, "--rut", help="Viscosity along the previous step's state: eta exp(rut x.r)."),
    start: str = typer.Option("uniform", "--start", help="uniform (melted) or previous (the previous end state)."),
    steer: str | None = typer.Option(None, "--steer", help="Steering text: its tokens attract the particle (U_perturb)."),
    steer_strength: float = typer.Option(0.0, "--steer-strength", help="Strength of U_perturb."),
    crystallize: str = typer.Option("sample", "--crystallize", help="sample (p = x^2) or argmax."),
    read_out: str = typer.Option("state", "--read-out", help="state (end state) or fep (its EMA)."),
    fep_tau: float = typer.Option(1.0, "--fep-tau", help="FEP time constant."),
    compare: bool = typer.Option(False, "--compare", help="Also run greedy and sampling at T=0.7 and 1 and print metrics."),
    samples: int = typer.Option(1, "--samples", help="Generations per prompt and decoder."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    out: Path | None = typer.Option(None, "--out", help="Directory for generation.json (texts, per-step log, metrics, versions)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
) -> None:
    """Generate with the melt / guide / crystallise cycle of spec 4.4; print the text and log the dynamics.

    Every decoder chooses among the model's top-k candidates. OUT/generation.json: config, metrics per
    decoder (repetition rate, distinct-1/2, the model's perplexity of the text, mean q and rank of
    the choices, seconds of dynamics), seconds (the whole run), every generation with its per-step
    log (token, rank, q, entropy of q, top-k mass, Bhattacharyya coefficient of the end state and FEP
    with sqrt(q), rut overlap, lambda), versions.
    """
    from semphys.langevin.comparison import compare_decoders
    from semphys.langevin.coupling import TokenDynamics
    from semphys.langevin.decoding import Greedy, LangevinDecoder, TopKSampling, steering_token_ids
    from semphys.lm import load_lm
    from semphys.provenance import collect_provenance

    if n_tokens < 1 or samples < 1:
        raise UserError("--n-tokens and --samples must be >= 1")
    dynamics = TokenDynamics(landscape=landscape, kappa=kappa, temperature_end=temperature_end,
                             temperature_melt=temperature_melt, n_steps=n_steps, dt=dt, scheme=scheme, eta=eta,
                             rut_strength=rut_strength, start=start, steer_strength=steer_strength,
                             crystallize=crystallize, read_out=read_out, fep_tau=fep_tau)
    lm = load_lm(model)
    steer_ids = steering_token_ids(lm.tokenizer, steer) if steer else []
    decoders = [LangevinDecoder(dynamics, name="langevin", steer_token_ids=steer_ids)]
    if compare:
        decoders = [Greedy(), TopKSampling(0.7), TopKSampling(1.0), *decoders]
    result = compare_decoders(lm, prompt, decoders, n_tokens=n_tokens, top_k=top_k, samples=samples, seed=seed,
                              progress=lambda i, p: _err(f"prompt {i + 1}/{len(prompt)}: {p!r}"))
    document = {
        "config": {"model": model, "prompts": prompt, "n_tokens": n_tokens, "top_k": top_k, "samples": samples,
                   "seed": seed, "steer": steer, "steer_token_ids": steer_ids,
                   "decoders": [d.describe() for d in decoders]},
        "metrics": result.rows,
        "seconds": result.seconds,
        "generations": [g.__dict__ for g in result.generations],
    }
    if out is not None:
        from semphys.io import write_text_atomic

        path = write_text_atomic(out / "generation.json",
                                 json.dumps({**document, **collect_provenance()}, indent=2, default=str) + "\n")
        _err(f"wrote {path}")
    if as_json:
        print(json.dumps(document, indent=2, default=str))
        return
    for g in result.generations:
        print(f"[{g.decoder}] {g.prompt}{g.text}")
    if compare:
        print()
        keys = list(result.rows[0])
        print("  ".join(f"{k:>14s}" if k != "decoder" else f"{k:24s}" for k in keys))
        for row in result.rows:
            print("  ".join(f"{row[k]:24s}" if k == "decoder" else f"{row[k]:14.4g}" for k in keys))
