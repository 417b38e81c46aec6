"""Phase suite: spec 001's built-in suite (bank, bat, crane) end to end on the embedded model.

Cases, interleaved (`_harness.interleaved`), `--phase-repeats` rounds after one warm-up:

suite cold    `run_phase` with an empty activation cache (a new temporary directory each time):
              capture of every distinct prompt once, all six experiments, verdict, results.json and
              every figure. The model is loaded once before (cached load, timed separately).
suite warm    the same with the cache of the previous run: nothing is forwarded.
no nulls      suite warm without the verdict's nulls (no label shuffles, random directions,
              smooth-rise curves or null draws): the difference to suite warm is what the nulls cost
              (every claim gets 20000 null draws at its real sample size), printed as a share of the suite.
capture       the capture stage alone: `phase.activations.capture_all` of the suite's requests
              (161 listed, 160 distinct), no cache.
baseline      what spec 001's code does: one forward per listed request, unbatched, HF
              `output_hidden_states=True` on the body (the LM head left out, which only helps it).

The goal: the cold suite, model cached, in under 60 s on this 2-core machine. Reported
as load + suite cold (median), with each distinct prompt forwarded exactly once.

WordNet scale (`semphys.phase.scale`, spec 001 over every usable word), in the same run:

contexts projected   the growing contexts of the first `--phase-scale-words` WordNet nouns' judged
                     sentences, forwarded in batches with sigma projected per chunk
                     (`lm.projected.capture_projected`, no cache): never more than a chunk of
                     [chunk, L + 1, d] held
contexts per prompt  the per-prompt path: one forward per context (`capture_residuals` on one
                     prompt), the full vectors kept, projected after
fits vectorised      the pooled statistics' fits of `--phase-scale-curves` null curves at once
                     (`phase.curve_statistics`: grid fits of the three forms, AICc)
fits one by one      the same curves with `fits.fit_all` per curve (grid starts, then least squares)

Reported: their ratios round by round, microseconds per curve, and the process's peak RSS.
The goal of the whole design (`semphys phase run --all` on both models): under 15 min cold, 3 min
cached, peak RSS under 4 GiB.
"""

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from benchmarks._harness import interleaved, paired_ratios, table
from semphys.experiments.phase.run import run_phase
from semphys.lm import LM, capture_residuals, load_lm
from semphys.lm.cache import Request
from semphys.lm.projected import capture_projected
from semphys.phase import BUILTIN, PhaseConfig, Suite
from semphys.phase.activations import capture_all, suite_requests
from semphys.phase.fits import fit_all
from semphys.phase.readout.items import wordnet_items
from semphys.phase.scale.contexts import item_contexts
from semphys.phase.verdict.curve_statistics import curve_statistics

GOAL_S = 60.0


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--phase-repeats", type=int, default=3, help="timed rounds of the phase cases (each ~30 s)")
    group.add_argument(
        "--phase-scale-words", type=int, default=8, help="WordNet nouns whose growing contexts are timed"
    )
    group.add_argument("--phase-scale-curves", type=int, default=400, help="null curves of the fit cases")
    group.add_argument("--phase-scale-only", action="store_true", help="time the WordNet-scale cases only")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scale_cases(lm: LM, n_words: int, n_curves: int, repeats: int) -> dict:
    """The WordNet-scale cases (see the module docstring), interleaved."""
    words = wordnet_items(("n",), n_words).words
    requests = [
        Request(text, w.lemma)
        for w in words
        for k, sentence in w.items()
        if k in (0, 1)
        for _, text in item_contexts(sentence, w.lemma, lm.facts.causal, 12)
    ]
    rng = np.random.default_rng(0)
    contrast = rng.standard_normal((lm.facts.n_layers + 1, lm.facts.d_model))

    def project(part: list[Request], resid: np.ndarray) -> np.ndarray:
        return np.einsum("nld,ld->nl", resid.astype(np.float64), contrast)

    layers = np.arange(1, lm.facts.n_layers + 1, dtype=np.float64)
    curves = np.tanh(layers[None, :] - rng.uniform(2, lm.facts.n_layers - 2, size=(n_curves, 1)))
    curves += 0.2 * rng.standard_normal(curves.shape)
    one_by_one_curves = curves[: max(n_curves // 10, 1)]

    def per_prompt() -> None:
        full = [capture_residuals(lm, [r.prompt], [r.target], progress=False).resid.numpy()[0] for r in requests]
        project(requests, np.stack(full))

    cases = {
        "contexts projected": lambda: capture_projected(lm, requests, project, "bench", None),
        "contexts per prompt": per_prompt,
        "fits vectorised": lambda: curve_statistics(layers, curves),
        "fits one by one": lambda: [fit_all(layers, c) for c in one_by_one_curves],
    }
    timings = interleaved(cases, repeats, log=_log)
    per_curve = {
        "vectorised": timings["fits vectorised"].median / n_curves * 1e6,
        "one_by_one": timings["fits one by one"].median / len(one_by_one_curves) * 1e6,
    }
    return {
        "n_words": n_words,
        "n_contexts": len(requests),
        "n_curves": n_curves,
        "cases": {name: t.to_dict() for name, t in timings.items()},
        "us_per_curve": per_curve,
        "ratios": {
            "contexts_per_prompt_vs_projected": statistics.median(
                paired_ratios(timings["contexts per prompt"], timings["contexts projected"])
            ),
            "fits_one_by_one_vs_vectorised_per_curve": per_curve["one_by_one"] / per_curve["vectorised"],
        },
        "contexts_per_second_projected": len(requests) / timings["contexts projected"].median,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def main(args: argparse.Namespace) -> dict:
    start = time.perf_counter()
    lm = load_lm("embedded")
    load_s = time.perf_counter() - start
    scale = scale_cases(lm, args.phase_scale_words, args.phase_scale_curves, args.phase_repeats)
    print(
        f"WordNet scale: {scale['n_contexts']} growing contexts, projected in batches "
        f"{scale['ratios']['contexts_per_prompt_vs_projected']:.1f}x faster than one forward per context "
        f"({scale['contexts_per_second_projected']:.1f} contexts/s); fits {scale['us_per_curve']['vectorised']:.0f} us "
        f"per curve vectorised vs {scale['us_per_curve']['one_by_one']:.0f} us one by one; "
        f"peak RSS {scale['peak_rss_gib']:.2f} GiB"
    )
    if args.phase_scale_only:
        return {"model": lm.facts.to_dict(), "load_s": load_s, "wordnet_scale": scale}
    suite = Suite(tuple(BUILTIN.values()), "builtin")
    config = PhaseConfig()
    requests = suite_requests(suite, config.hint_template)
    workdir = Path(tempfile.mkdtemp(prefix="semphys-bench-phase-"))
    warm_cache = workdir / "warm-cache"
    runs: dict[str, list] = {"cold": [], "warm": []}
    counter = iter(range(10**6))

    def suite_cold() -> None:
        n = next(counter)
        run = run_phase([lm], suite, config, cache_root=workdir / f"cold-cache-{n}")
        runs["cold"].append(run.models[0].capture)

    def suite_warm() -> None:
        run = run_phase([lm], suite, config, cache_root=warm_cache)
        runs["warm"].append(run.models[0].capture)

    no_null_config = replace(config, n_label_shuffles=0, n_random_directions=0, n_smooth_draws=0, n_null_draws=0)

    def suite_no_nulls() -> None:
        run_phase([lm], suite, no_null_config, cache_root=warm_cache)

    def capture() -> None:
        capture_all(lm, requests, None, config.pooling, config.final_norm, config.capture_chunk)

    def baseline() -> None:
        with torch.inference_mode():
            for request in requests:
                encoded = lm.tokenizer(request.prompt, return_tensors="pt")
                lm.body(**encoded, output_hidden_states=True, use_cache=False)

    timings = interleaved(
        {
            "suite cold": suite_cold,
            "suite warm": suite_warm,
            "no nulls": suite_no_nulls,
            "capture": capture,
            "baseline (spec loop)": baseline,
        },
        args.phase_repeats,
        log=_log,
    )
    cold = timings["suite cold"].median
    null_share = statistics.median(1 - 1 / r for r in paired_ratios(timings["suite warm"], timings["no nulls"]))
    first_cold = runs["cold"][0]
    result = {
        "model": lm.facts.to_dict(),
        "load_s": load_s,
        "wordnet_scale": scale,
        "requests": {"listed": first_cold.n_requests, "distinct": first_cold.n_distinct},
        "forwarded_cold": [c.n_forwarded for c in runs["cold"]],
        "forwarded_warm_after_first": [c.n_forwarded for c in runs["warm"][1:]],
        "cases": {name: timing.to_dict() for name, timing in timings.items()},
        "ratios": {  # round by round, so a load change between rounds cancels
            "capture_vs_baseline": statistics.median(
                paired_ratios(timings["baseline (spec loop)"], timings["capture"])
            ),
            "cold_vs_warm": statistics.median(paired_ratios(timings["suite cold"], timings["suite warm"])),
        },
        "nulls": {
            "share_of_suite": null_share,
            "n_null_draws": config.n_null_draws,
            "n_label_shuffles": config.n_label_shuffles,
            "n_random_directions": config.n_random_directions,
        },
        "goal": {
            "seconds": GOAL_S,
            "load_plus_suite_cold_s": load_s + cold,
            "met": load_s + cold < GOAL_S,
            "each_distinct_prompt_once": all(c.n_forwarded == c.n_distinct for c in runs["cold"]),
        },
    }
    shutil.rmtree(workdir, ignore_errors=True)
    rows = [[name, t.median, t.best, t.worst] for name, t in timings.items()]
    print(table(["case", "median s", "best s", "worst s"], rows))
    print(
        f"load {load_s:.1f} s + suite cold {cold:.1f} s = {load_s + cold:.1f} s (goal < {GOAL_S:.0f} s); "
        f"capture {result['ratios']['capture_vs_baseline']:.1f}x faster than the spec's per-prompt loop; "
        f"the nulls ({config.n_null_draws} draws per criterion) take {null_share:.0%} of the warm suite"
    )
    return result
