"""Demo section `langevin`: the simulator against theory, its figures, and the language-model coupling.

What it shows, in order: the validation table (every check of `semphys langevin validate`);
trajectories on S^2 in a mixture of three wells; the stationary histogram against the vMF density
(and the position-dependent-friction failure without the spurious drift); the FEP against the raw
trajectory when a perturbation is switched on, with the RC low-pass of the ensemble mean; Kramers
escape rates against beta dU on a log scale; the weak-order sweep; temperature as a probe on a real
next-token distribution of the embedded model (KL to q for each way of crystallising); and the
generation comparison against greedy and temperature sampling on a few prompts.
"""

import json

import numpy as np
import torch

from semphys.core.io import write_text_atomic
from semphys.core.threads import torch_threads
from semphys.evidence import claim_table, decide
from semphys.experiments.demo.context import DemoContext
from semphys.langevin import plots
from semphys.langevin.checks.dynamics import kramers_rate
from semphys.langevin.checks.suite import run_validation
from semphys.langevin.decoding.comparison import DEFAULT_PROMPTS, compare_decoders, default_decoders, temperature_probe
from semphys.langevin.sde.engine import simulate
from semphys.langevin.sde.equation import LangevinSystem
from semphys.langevin.sde.potentials import LinearPotential, MixtureOfWells, PerturbedPotential
from semphys.lm import load_lm, next_token_distribution

KRAMERS_EXTRA = ((3.0, "overdamped"), (4.0, "overdamped"), (6.0, "overdamped"), (4.0, "underdamped"))
PROBE_PROMPT = "The old lighthouse keeper"
PROBE_TEMPERATURES = (0.005, 0.02, 0.1, 0.5)


def run(
    ctx: DemoContext,
    n_prompts: int = 3,
    n_tokens: int = 16,
    kramers_transitions: int = 400,
    probe_particles: int = 3000,
) -> None:
    ctx.config.update(
        n_prompts=n_prompts,
        n_tokens=n_tokens,
        top_k=16,
        kramers_extra=list(KRAMERS_EXTRA),
        kramers_transitions=kramers_transitions,
        probe_prompt=PROBE_PROMPT,
        probe_temperatures=list(PROBE_TEMPERATURES),
        probe_particles=probe_particles,
        threads=1,
    )
    section = ctx.section
    with torch_threads(1):  # see semphys.langevin.sde.integration.DEFAULT_THREADS: small ops, a shared machine
        rows = _validation(ctx)
        _trajectories(ctx)
        _histograms(ctx, rows)
        _fep(ctx)
        _kramers(ctx, rows, kramers_transitions)
        weak = next(r for r in rows if r.name == "weak_order")
        ctx.figure(
            plots.weak_order_plot(weak.detail),
            "Weak order of the overdamped scheme: |bias| of E[mu.x] at "
            "T = 1 against the exact value (polynomial generator), slope "
            f"{weak.measured:.2f} (theory 1).",
            "weak_order",
        )
        _language_model(ctx, n_prompts, n_tokens, probe_particles)
    section.text(
        "Files: validation.json (every check with details), generation.json (texts, per-step logs of the "
        "dynamics, metrics), probe.json, and the PNG figures in this section's folder."
    )


def _validation(ctx: DemoContext):
    ctx.log("validation checks")
    names = []
    rows = run_validation(progress=lambda name: names.append(name) or ctx.log(f"check {name}"), seed=ctx.seed)
    claims = decide([r.claim() for r in rows])
    ctx.add_claims(claims)
    columns, table = claim_table(claims)
    ctx.section.table(
        table,
        columns,
        caption="semphys langevin validate: every check against theory (seeded, "
        "float64), one evidence.Claim of kind check per row: |measured - expected| below the tolerance "
        "computed in the run.",
    )
    payload = {"claims": [c.to_dict() for c in claims], "checks": [r.to_dict() for r in rows]}
    write_text_atomic(ctx.work_dir / "validation.json", json.dumps(payload, indent=2, default=_plain) + "\n")
    if not all(c.holds is True for c in claims):
        failed = ", ".join(r.name for r, c in zip(rows, claims) if c.holds is not True)
        ctx.section.text(f"FAILED checks: {failed}.")
    return rows


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _trajectories(ctx: DemoContext) -> None:
    gen = torch.Generator().manual_seed(ctx.seed)
    centers = torch.tensor([[0.0, 0, 1], [1.0, 0, 0], [0.0, 1, 0]], dtype=torch.float64)
    system = LangevinSystem(
        MixtureOfWells(centers, torch.tensor([0.5, 0.3, 0.2]), kappa=6.0), friction=1.0, mass=1.0, temperature=0.35
    )
    x0 = torch.nn.functional.normalize(torch.randn(6, 3, generator=gen, dtype=torch.float64), dim=-1)
    run = simulate(system, x0, dt=0.02, n_steps=3000, scheme="underdamped", record_every=5, seed=ctx.seed)
    ctx.figure(
        plots.trajectories_on_sphere(run.positions.numpy(), "Underdamped g-BAOAB in three wells", centers.numpy()),
        "Six particles (o start, x end) in a mixture of three wells on S^2 (weights 0.5, 0.3, 0.2, kappa 6, "
        "T 0.35, m 1, eta 1, dt 0.02, 3000 steps): they fall into wells and hop between them over the "
        "saddles.",
        "trajectories_s2",
    )


def _histograms(ctx: DemoContext, rows) -> None:
    vmf = next(r for r in rows if r.name == "vmf_overdamped")
    ctx.figure(
        plots.stationary_histogram(vmf.detail["z_samples_d3"], 3, 5.0),
        "Stationary histogram of mu.x on S^2 (overdamped, beta kappa = 5) against the von Mises-Fisher "
        "density (beta kappa / (2 sinh beta kappa)) e^{beta kappa z}.",
        "stationary_histogram",
    )
    right = next(r for r in rows if r.name == "position_friction")
    wrong = next(r for r in rows if r.name == "position_friction_uncorrected")
    a = right.detail["a"]
    ctx.figure(
        plots.stationary_histogram(
            right.detail["z_samples"],
            3,
            right.detail["beta_kappa"],
            extra={"without the spurious drift": wrong.detail["z_samples"]},
            extra_theory={
                f"wrong law eta(x) exp(-beta U): beta kappa + a = {right.detail['beta_kappa'] + a:g}": right.detail[
                    "beta_kappa"
                ]
                + a
            },
            title="Position-dependent friction eta = exp(a mu.x), a = 2",
        ),
        "With eta(x) = exp(2 mu.x) the corrected scheme stays on exp(-beta U) (solid curve); dropping the spurious "
        "drift + P grad D moves the stationary law to eta(x) exp(-beta U) (dotted), exactly as predicted.",
        "position_friction",
    )


def _fep(ctx: DemoContext) -> None:
    tau, switch = 0.5, 2.0
    base = LinearPotential([0.0, 0.0, 1.0], 4.0)
    push = LinearPotential([1.0, 0.0, 0.0], 8.0)
    potential = PerturbedPotential(base, push, lambda t: 1.0 if t >= switch else 0.0)
    system = LangevinSystem(potential, friction=1.0, temperature=0.5)
    x0 = torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64).expand(2000, 3).clone()
    run = simulate(system, x0, dt=0.005, n_steps=1600, record_every=4, fep_tau=tau, seed=ctx.seed)
    times = run.times.numpy()
    mean = run.positions[:, :, 0].mean(dim=1)
    from semphys.langevin.sde.fep import floating_equilibrium_point

    rc = floating_equilibrium_point(mean[:, None], float(times[1] - times[0]), tau)[:, 0].numpy()
    ctx.figure(
        plots.fep_vs_raw(times, run.positions[:, 0, 0].numpy(), run.fep[:, 0, 0].numpy(), rc, tau, switch),
        f"One particle's x1 coordinate (grey) and its floating equilibrium point, the EMA with tau = {tau} "
        "(red), when U_perturb pulling towards e1 is switched on at t = 2; dashed: the RC low-pass of the "
        "ensemble mean of 2000 particles. The FEP strips the thermal noise and follows the landscape with the "
        "RC lag.",
        "fep_vs_raw",
    )


def _kramers(ctx: DemoContext, rows, transitions: int) -> None:
    results = [r.detail for r in rows if r.name.startswith("kramers_")]
    for beta_barrier, scheme in ctx.progress(KRAMERS_EXTRA, description="Kramers sweep"):
        results.append(kramers_rate(beta_barrier, scheme, seed=ctx.seed + 1, n=8000, target_transitions=transitions))
    ctx.figure(
        plots.kramers_vs_beta(results),
        "Escape rate out of one well of the double well dU sin^2(theta) on S^1 against beta dU (log scale). "
        "Solid: Kramers' integral formula (overdamped, exact for the Smoluchowski equation) and Kramers' "
        "moderate-friction rate with the exact well population (underdamped, gamma = 2 omega_b); dashed: "
        "the asymptotic formulas, 10-20% high at these barriers. Points at beta dU = 5 are the validation runs.",
        "kramers_vs_beta",
    )
    ctx.section.table(
        [
            {
                "scheme": r["scheme"],
                "beta dU": r["beta_barrier"],
                "measured": r["measured"],
                "s.e.": r["stderr"],
                "Kramers (exact form)": r["expected"],
                "asymptotic": r["asymptotic"],
                "transitions": r["transitions"],
            }
            for r in results
        ],
        caption="Kramers rates: measured core-to-core rates and theory.",
    )


def _language_model(ctx: DemoContext, n_prompts: int, n_tokens: int, probe_particles: int) -> None:
    ctx.log("loading the embedded model")
    lm = load_lm("embedded")
    ids = lm.tokenizer(PROBE_PROMPT, return_tensors="pt").input_ids
    q = next_token_distribution(lm, ids, top_k=16).probs[0]
    probe = []
    for temperature in ctx.progress(PROBE_TEMPERATURES, description="temperature probe"):
        probe += temperature_probe(q, [temperature], n_particles=probe_particles, seed=ctx.seed)
    write_text_atomic(
        ctx.work_dir / "probe.json",
        json.dumps({"prompt": PROBE_PROMPT, "q": q.tolist(), "rows": probe}, indent=2) + "\n",
    )
    ctx.figure(
        plots.temperature_probe_plot(probe),
        f"Temperature as a probe, on the embedded model's top-16 next-token distribution q after "
        f"'{PROBE_PROMPT}': KL(token law || q) for each way of crystallising. Sampling the end state by x^2 "
        "gives (1 - eps) q + eps/k with eps ~ (k-1) T / kappa (dashed: closed form): temperature mixes q with "
        "uniform, unlike softmax sampling q^(1/T). Annealing from T = 1 lands on the same law (one well, "
        "equilibrated). Argmax tends to greedy as T -> 0 (KL grows). The FEP read-out is closer to q at every T.",
        "temperature_probe",
    )
    ctx.section.table(
        [{**r, "kl_theory": r.get("kl_theory")} for r in probe],
        caption="Temperature probe: KL(induced token law || q).",
    )
    ctx.log("generation comparison")
    prompts = DEFAULT_PROMPTS[:n_prompts]
    result = compare_decoders(
        lm,
        prompts,
        default_decoders(),
        n_tokens=n_tokens,
        top_k=16,
        seed=ctx.seed,
        progress=lambda i, p: ctx.log(f"generating from prompt {i + 1}/{len(prompts)}"),
    )
    ctx.section.table(
        result.rows,
        caption=f"Generation on {len(prompts)} prompts x {n_tokens} tokens (top-16 candidates "
        "for every decoder; demo scale, so differences of a few percent are noise; the full-scale run is "
        "`semphys langevin generate --compare`).",
    )
    examples = [g for g in result.generations if g.prompt == prompts[0]]
    ctx.section.table(
        [{"decoder": g.decoder, "continuation": g.prompt + g.text} for g in examples],
        caption="Continuations of the first prompt.",
    )
    write_text_atomic(
        ctx.work_dir / "generation.json",
        json.dumps(
            {
                "prompts": list(prompts),
                "n_tokens": n_tokens,
                "metrics": result.rows,
                "seconds": result.seconds,
                "generations": [g.__dict__ for g in result.generations],
            },
            indent=2,
            default=str,
        )
        + "\n",
    )
