"""`semphys langevin ...`: validate the simulator, simulate a landscape, generate text with the dynamics,
measure a model's own inference.

Options are parsed into the experiments' configs (`semphys.experiments.langevin`: `SimulateConfig`,
`ValidateConfig`, `GenerateConfig` with its `TokenDynamics`, `MeasureConfig`) and run with
`semphys.experiments.execute` (validated before any model loads or any step runs); what is printed is the
experiments' tables and documents.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from semphys.cli.common import say
from semphys.core.validate import parse_list
from semphys.experiments import Command, execute

app = typer.Typer(
    help="The constrained Langevin equation on the sphere (spec 000 §4): validate, simulate, generate, measure.",
    no_args_is_help=True,
)

MODEL_HELP = "Causal model: `embedded` (Gemma-3-270M, packaged), a local directory or a hub id."

R = TypeVar("R")


def _execute(command: Command, config: Any, run: Callable[..., R]) -> R:
    """`execute` when the config names a run directory (`--out`); without one, validate and run in memory."""
    if config.out is not None:
        return execute(command, config, run, log=say)
    config.validate()
    return run(config, log=say)


def _vector(text: str | None, option: str) -> tuple[float, ...] | None:
    values = parse_list(text, option, float, unique=False)
    return None if values is None else tuple(values)


@app.command()
def validate(
    as_json: bool = typer.Option(
        False,
        "--json",
        help="Print one JSON document on stdout (every row: name, measured, expected, tolerance, passed).",
    ),
    check: list[str] = typer.Option([], "--check", help="Run only this check (repeatable); default all."),
    seed: int = typer.Option(0, "--seed", help="Seed of every simulation."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write validation.json (rows, details, versions) to this run directory."
    ),
) -> None:
    """Run the simulator against theory: vMF, equipartition, constraint, eta(x), OU/RC, Kramers, weak order.

    Exit code 0 when every row passes, 1 when one fails, 2 for a bad option.
    """
    from semphys.core.jsondoc import to_json
    from semphys.experiments.langevin.validate import COMMAND, ValidateConfig, run, validation_table

    config = ValidateConfig(checks=tuple(check), seed=seed, out=out)
    result = _execute(COMMAND, config, run)
    if out is not None:
        say(f"wrote {out / 'validation.json'}")
    document = result.document
    print(
        to_json(document, indent=2)
        if as_json
        else validation_table(result.rows, [c["outcome"] for c in document["claims"]]),
        end="\n" if not as_json else "",
    )
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def simulate(
    potential: str = typer.Option(
        ...,
        "--potential",
        help="linear (von Mises-Fisher), double-well, mixture, or FILE.py:FUNCTION (U(x, t) -> [n], torch).",
    ),
    out: Path = typer.Option(..., "--out", help="Run directory: trajectory.npz, summary.json, PNG plots."),
    dim: int = typer.Option(3, "--dim", help="Dimension d of the ambient space (the sphere is S^(d-1))."),
    n_particles: int = typer.Option(512, "--n-particles", help="Number of particles."),
    steps: int = typer.Option(2000, "--steps", help="Integration steps."),
    dt: float = typer.Option(0.01, "--dt", help="Time step (> 0; refused above the stability limit)."),
    scheme: str = typer.Option(
        "overdamped", "--scheme", help="overdamped (projected Euler-Maruyama) or underdamped (g-BAOAB)."
    ),
    retraction: str = typer.Option(
        "normalize",
        "--retraction",
        help="overdamped: normalize (projected EM), "
        "exponential (great circle) or extrinsic (ambient Ito EM; smallest stationary "
        "bias).",
    ),
    temperature: float = typer.Option(0.2, "--temperature", help="T = 1/beta (>= 0); start temperature of a schedule."),
    schedule: str = typer.Option("constant", "--schedule", help="constant, linear, exponential or stepwise."),
    temperature_end: float | None = typer.Option(None, "--temperature-end", help="End temperature of a schedule."),
    eta: float = typer.Option(1.0, "--eta", help="Viscosity eta (> 0)."),
    eta_gradient: float = typer.Option(0.0, "--eta-gradient", help="Position-dependent viscosity eta exp(a mu.x): a."),
    mass: float = typer.Option(1.0, "--mass", help="Mass m (> 0), underdamped."),
    kappa: float = typer.Option(5.0, "--kappa", help="linear: concentration; mixture: well sharpness."),
    barrier: float = typer.Option(1.0, "--barrier", help="double-well: barrier height dU."),
    mu: str | None = typer.Option(
        None, "--mu", help="Direction (linear) / axis (double-well), comma-separated; default the last axis."
    ),
    n_wells: int = typer.Option(3, "--n-wells", help="mixture: number of wells (random centres from --seed)."),
    start: str | None = typer.Option(
        None,
        "--start",
        help="One start vector for every particle, comma-separated "
        "(normalised with a warning if not unit); default uniform.",
    ),
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
    from semphys.experiments.langevin.simulate import COMMAND, SimulateConfig, run

    config = SimulateConfig(
        potential=potential,
        out=out,
        dim=dim,
        n_particles=n_particles,
        steps=steps,
        dt=dt,
        scheme=scheme,
        retraction=retraction,
        temperature=temperature,
        schedule=schedule,
        temperature_end=temperature_end,
        eta=eta,
        eta_gradient=eta_gradient,
        mass=mass,
        kappa=kappa,
        barrier=barrier,
        mu=_vector(mu, "--mu"),
        n_wells=n_wells,
        start=_vector(start, "--start"),
        fep_tau=fep_tau,
        record_every=record_every,
        record_particles=record_particles,
        seed=seed,
    )
    result = execute(COMMAND, config, run, log=say)
    say(
        f"wrote {out}: {', '.join(result.files)}; {result.trajectory.stats.particle_steps_per_second:,.0f} "
        "particle-steps/s"
    )
    print(out / "summary.json")


@app.command()
def generate(
    prompt: list[str] = typer.Option(..., "--prompt", "-p", help="Text to continue; repeat for several."),
    model: str = typer.Option("embedded", "--model", "-m", help=MODEL_HELP),
    n_tokens: int = typer.Option(24, "--n-tokens", help="Tokens to generate per prompt."),
    top_k: int = typer.Option(16, "--top-k", help="Candidates per step: the sphere is S^(k-1)."),
    landscape: str = typer.Option(
        "bhattacharyya", "--landscape", help="bhattacharyya (one well at sqrt(q)) or wells (one per candidate)."
    ),
    kappa: float = typer.Option(1.0, "--kappa", help="Depth of the Bhattacharyya well."),
    temperature_end: float = typer.Option(0.02, "--temperature", help="Temperature at crystallisation (>= 0)."),
    temperature_melt: float | None = typer.Option(
        None, "--melt", help="Start temperature of each step (anneal to --temperature); default none."
    ),
    n_steps: int = typer.Option(150, "--n-steps", help="Integration steps per token."),
    dt: float = typer.Option(0.04, "--dt", help="Time step of the dynamics."),
    scheme: str = typer.Option("overdamped", "--scheme", help="overdamped or underdamped."),
    eta: float = typer.Option(1.0, "--eta", help="Viscosity."),
    rut_strength: float = typer.Option(
        0.0, "--rut", help="Viscosity along the previous step's state: eta exp(rut x.r)."
    ),
    start: str = typer.Option("uniform", "--start", help="uniform (melted) or previous (the previous end state)."),
    steer: str | None = typer.Option(
        None, "--steer", help="Steering text: its tokens attract the particle (U_perturb)."
    ),
    steer_strength: float = typer.Option(0.0, "--steer-strength", help="Strength of U_perturb."),
    crystallize: str = typer.Option("sample", "--crystallize", help="sample (p = x^2) or argmax."),
    read_out: str = typer.Option("state", "--read-out", help="state (end state) or fep (its EMA)."),
    fep_tau: float = typer.Option(1.0, "--fep-tau", help="FEP time constant."),
    compare: bool = typer.Option(
        False, "--compare", help="Also run greedy and sampling at T=0.7 and 1 and print metrics."
    ),
    samples: int = typer.Option(1, "--samples", help="Generations per prompt and decoder."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    out: Path | None = typer.Option(
        None, "--out", help="Run directory for generation.json (texts, per-step log, metrics, versions)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout."),
) -> None:
    """Generate with the melt / guide / crystallise cycle of spec 000 §4.4; print the text and log the dynamics.

    Every decoder chooses among the model's top-k candidates. OUT/generation.json: config, metrics per
    decoder (repetition rate, distinct-1/2, the model's perplexity of the text, mean q and rank of
    the choices, seconds of dynamics), seconds (the whole run), every generation with its per-step
    log (token, rank, q, entropy of q, top-k mass, Bhattacharyya coefficient of the end state and FEP
    with sqrt(q), rut overlap, lambda), versions.
    """
    from semphys.core.jsondoc import to_json
    from semphys.experiments.langevin.generate import COMMAND, GenerateConfig, generations_text, run
    from semphys.langevin.decoding.coupling import TokenDynamics

    dynamics = TokenDynamics(
        landscape=landscape,
        kappa=kappa,
        temperature_end=temperature_end,
        temperature_melt=temperature_melt,
        n_steps=n_steps,
        dt=dt,
        scheme=scheme,
        eta=eta,
        rut_strength=rut_strength,
        start=start,
        steer_strength=steer_strength,
        crystallize=crystallize,
        read_out=read_out,
        fep_tau=fep_tau,
    )
    config = GenerateConfig(
        prompts=tuple(prompt),
        dynamics=dynamics,
        model=model,
        n_tokens=n_tokens,
        top_k=top_k,
        samples=samples,
        seed=seed,
        steer=steer,
        compare=compare,
        out=out,
    )
    result = _execute(COMMAND, config, run)
    if out is not None:
        say(f"wrote {out / 'generation.json'}")
    print(to_json(result.document, indent=2), end="") if as_json else print(
        generations_text(result.comparison, compare)
    )


@app.command()
def measure(
    model: list[str] = typer.Option(
        ["embedded"],
        "--model",
        "-m",
        help="Model to measure (repeatable): `embedded` "
        "(Gemma-3-270M, causal: both clocks), `minilm` (encoder: layer clock only), a "
        "local directory or a hub id.",
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Run directory: measure.json, report.html, PNG figures, sections/ (finished models, for resuming).",
    ),
    texts: int = typer.Option(
        2000, "--texts", help="N: WordNet text windows per model (>= 8), a quarter of them from held-out synsets."
    ),
    tokens: int = typer.Option(64, "--tokens", help="T: tokens per real passage and per sampled continuation (>= 2)."),
    temperature: list[float] = typer.Option(
        [0.3, 0.7, 1.0, 1.5], "--temperature", help="Sampling temperature of the continuations (repeatable, > 0)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the window choice, the splits, the noise and the sampling."),
    passages: int = typer.Option(
        40, "--passages", help="Real held-out passages of the token clock (>= 2): the units its claims resample."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print measure.json on stdout instead of the claims table."),
) -> None:
    """Measure whether each model's own inference behaves like spec 000's constrained Langevin process.

    Layer clock: the last token's residual direction across layers, fitted by the Lines-of-Thought transport
    and by an overdamped Langevin on the sphere (Kramers-Moyal) on one rank grid, scored on held-out windows
    against a random walk, a constant drift, (b) without noise and a time-homogeneous (b). Token clock
    (causal models): sqrt(p_t) and the last residual direction along real and sampled text: relaxation,
    the FEP as a predictor, temperature as a probe, against shuffled token orders per passage. Prints one
    claim row per claim (evidence.Claim): it holds only when it beats every null after Holm's adjustment.
    """
    import dataclasses

    from semphys.core.jsondoc import to_json
    from semphys.experiments.langevin.measure import COMMAND, MeasureConfig, run, verdict_table
    from semphys.langevin.measure.token_time import TokenTimeConfig

    config = MeasureConfig(
        models=tuple(model),
        out=out,
        texts=texts,
        seed=seed,
        token=dataclasses.replace(
            TokenTimeConfig(), tokens=tokens, temperatures=tuple(temperature), passages=passages, seed=seed
        ),
    )
    document = execute(COMMAND, config, run, log=say).document
    say(f"wrote {out / 'measure.json'}")
    say(f"wrote {out / 'report.html'}")
    print(to_json(document, indent=2), end="") if as_json else print(verdict_table(document))
