"""Samadhi refinement: plain fixed-point iteration (spec 002 §5.4) vs Anderson acceleration, same run, same eps.

On the trained refiners of a Samadhi run (`--samadhi-run DIR`, else a demo-scale model trained here
in a temporary directory on cached MiniLM token states), hard mode, from the S_0 of the held-out
gate-open windows, for each Vicara variant and each update rate b in `--samadhi-betas` (the same
fixed points; b sets how fast plain iteration contracts):

    plain      S_{t+1} = (1 - b) S_t + b Phi_win(S_t) until |S_{t+1} - S_t| <= eps (the baseline)
    anderson   Anderson acceleration (memory 5) of the same map, same stop rule per window

both through the project's one solver interface, `semphys.core.fixedpoint.solve` (via `Vicara.refine`).

Reported per case: G (= Phi) evaluations per window (mean, median, max), converged share, the
largest distance between the two solvers' S_final, and wall time of the whole batch
(`_harness.interleaved`: repeats interleaved, median of the quiet ones), with the ratios
plain / Anderson. One torch thread, as the training and evaluation use.
"""

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import torch

from benchmarks._harness import interleaved, table

BETAS = (0.5, 0.9)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--samadhi-run",
        type=Path,
        default=None,
        help="samadhi: a run directory from `semphys samadhi train` (default: train a demo-scale one)",
    )
    group.add_argument(
        "--samadhi-betas",
        type=str,
        default=",".join(str(b) for b in BETAS),
        help="samadhi: update rates b to compare at, comma-separated",
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run_dir(args: argparse.Namespace, scratch: Path) -> Path:
    if args.samadhi_run is not None:
        return args.samadhi_run
    from semphys.experiments.demo.samadhi import DEMO
    from semphys.experiments.samadhi.train import TrainConfig, run
    from semphys.samadhi.config import SamadhiConfig

    _log("training a demo-scale Samadhi model (token states cached after the first run)")
    run(TrainConfig(scratch, DEMO, SamadhiConfig(), progress=False), log=_log).save(scratch)
    return scratch


def main(args: argparse.Namespace) -> dict:
    from semphys.core.threads import torch_threads
    from semphys.experiments.samadhi.eval import load_models, read_run
    from semphys.lm import load_lm
    from semphys.samadhi.data import load_concept_data
    from semphys.samadhi.vicara import Vicara

    betas = [float(b) for b in args.samadhi_betas.split(",") if b.strip()]
    with tempfile.TemporaryDirectory() as scratch, torch_threads(1):
        run_dir = _run_dir(args, Path(scratch))
        record, train_config, base = read_run(run_dir)
        models = load_models(run_dir, record, base)
        data = load_concept_data(load_lm(base.lm_spec), base.lm_layer, base.window, train_config, log=_log)
        real = data.valid.select("real")
        rows, results = [], {}
        for variant, model in models.items():
            with torch.no_grad():
                out = model.vitakka(real.features, real.mask)
            s0, winner, probs = out.s0[out.gate], out.winner[out.gate], out.weights[out.gate]
            for beta in betas:
                vicara = Vicara(replace(model.config, beta=beta, t_max=500))
                vicara.load_state_dict(model.vicara.state_dict())
                solved = {}

                def case(solver: str, vicara=vicara, solved=solved):
                    def run() -> None:
                        with torch.no_grad():
                            solved[solver] = vicara.refine(s0, winner, probs, "hard", solver)

                    return run

                timings = interleaved(
                    {"plain": case("plain"), "anderson": case("anderson")},
                    args.repeats,
                    max_rounds=args.max_rounds,
                    log=_log,
                )
                (plain_state, plain), (accel_state, accel) = solved["plain"], solved["anderson"]
                key = f"{variant} b={beta:g}"
                results[key] = {
                    "variant": variant,
                    "beta": beta,
                    "n_windows": len(s0),
                    "eps": model.config.eps,
                    "evaluations": {
                        name: {
                            "mean": float(st.iterations.double().mean()),
                            "median": float(st.iterations.double().median()),
                            "max": int(st.iterations.max()),
                            "converged": float(st.converged.float().mean()),
                        }
                        for name, st in (("plain", plain), ("anderson", accel))
                    },
                    "max_state_difference": float((plain_state - accel_state).norm(dim=1).max()),
                    "timings": {name: t.to_dict() for name, t in timings.items()},
                    "evaluations_ratio": float(plain.iterations.sum() / accel.iterations.sum()),
                    "time_ratio": timings["plain"].median / timings["anderson"].median,
                }
                r = results[key]
                rows.append(
                    [
                        key,
                        len(s0),
                        r["evaluations"]["plain"]["mean"],
                        r["evaluations"]["anderson"]["mean"],
                        r["evaluations_ratio"],
                        timings["plain"].median * 1e3,
                        timings["anderson"].median * 1e3,
                        r["time_ratio"],
                        r["max_state_difference"],
                    ]
                )
    print(
        table(
            [
                "case",
                "windows",
                "G evals plain",
                "G evals Anderson",
                "evals plain/And",
                "ms plain",
                "ms Anderson",
                "time plain/And",
                "max |dS_final|",
            ],
            rows,
        )
    )
    print("ratios > 1: Anderson needs fewer evaluations / less time than the spec's plain iteration to the same eps")
    return {
        "run": str(args.samadhi_run) if args.samadhi_run else "demo-scale model trained in the benchmark",
        "cases": results,
    }
