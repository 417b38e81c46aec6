"""Sweep throughput: WordNet nouns per minute on the embedded model, 1 vs 2 local workers, and at scale.

Spec: `models: [embedded]`, `words: {names: [...]}` with the first N WordNet nouns (`phase.wordnet_suite`: per-word
jobs; `words: {wordnet: N}` runs the WordNet-scale design instead), sweep-scale phase settings (below: smaller
bootstrap and nulls than a single `semphys phase run`, all six experiments still run), QK PCA off.
Every case runs `semphys.experiments.sweep.run_sweep` into a fresh directory; "cold" cases use a fresh activation
cache (capture + analysis), "warm" cases reuse a filled one (analysis only: what a GPU worker would
still do on its CPU, since capture is the part a GPU speeds up).

cases (interleaved rounds, `--sweep-repeats` each, no warm-up: each case is minutes long)
    1 worker    LocalPool(1), N = `--sweep-words` (default 50), cold
    2 workers   LocalPool(2), same words, cold
scaling (one run each, the faster worker count above)
    N = 10, 50, 200 words, cold; and N = 50 warm
Words per minute = words / wall seconds of the whole run_sweep call (worker start-up and one model
load per worker included, as a user sees it).
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._harness import interleaved, paired_ratios, table
from semphys.experiments.sweep import LocalPool, parse_sweep_spec, plan_sweep, run_sweep
from semphys.phase import wordnet_suite

SETTINGS = """phase:
  n_bootstrap: 50
  n_label_shuffles: 50
  n_random_directions: 50
  n_null_draws: 50
qk_pca: false
batch_words: 10
"""


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--sweep-words", type=int, default=50, help="sweep: words of the 1 vs 2 worker cases")
    group.add_argument("--sweep-repeats", type=int, default=1, help="sweep: rounds of the 1 vs 2 worker cases")
    group.add_argument("--sweep-scale", default="10,50,200", help="sweep: word counts of the scaling runs")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _spec(n_words: int):
    nouns = json.dumps([word.word for word in wordnet_suite(n_words).words])
    return parse_sweep_spec(f"models: [embedded]\nwords: {{names: {nouns}}}\n" + SETTINGS, f"wordnet-{n_words}")


def _run(n_words: int, workers: int, root: Path, cache: Path | None = None) -> dict:
    spec = _spec(n_words)
    plan = plan_sweep(spec)
    out = Path(tempfile.mkdtemp(dir=root))
    cache = cache or Path(tempfile.mkdtemp(dir=root))
    start = time.perf_counter()
    stats = run_sweep(spec, out, LocalPool(workers, cache_root=cache), progress=False, plan=plan)
    seconds = time.perf_counter() - start
    words = stats.n_ok
    shutil.rmtree(out)
    return {
        "words": words,
        "workers": workers,
        "seconds": seconds,
        "words_per_minute": 60 * words / seconds,
        "seconds_per_word": seconds / max(1, words),
        "cache": str(cache),
    }


def main(args: argparse.Namespace) -> dict:
    root = Path(tempfile.mkdtemp(prefix="semphys-bench-sweep-"))
    runs: dict[str, list[dict]] = {"1 worker": [], "2 workers": []}
    cases = {
        name: (lambda name=name, w=w: runs[name].append(_run(args.sweep_words, w, root)))
        for name, w in (("1 worker", 1), ("2 workers", 2))
    }
    timings = interleaved(cases, args.sweep_repeats, warmup=0, log=_log)
    ratio = statistics.median(paired_ratios(timings["1 worker"], timings["2 workers"]))
    best = 2 if timings["2 workers"].median < timings["1 worker"].median else 1
    scale = []
    for n in (int(v) for v in args.sweep_scale.split(",")):
        _log(f"scaling: {n} words, {best} worker(s), cold")
        scale.append(_run(n, best, root) | {"cache_state": "cold"})
    warm_cache = Path(runs[f"{best} worker{'s' if best > 1 else ''}"][-1]["cache"])
    _log(f"scaling: {args.sweep_words} words, warm cache")
    scale.append(_run(args.sweep_words, best, root, warm_cache) | {"cache_state": "warm (analysis only)"})
    shutil.rmtree(root, ignore_errors=True)
    rows = [[name, args.sweep_words, t.median, 60 * args.sweep_words / t.median] for name, t in timings.items()]
    print(table(["case", "words", "median s", "words/min"], rows))
    print(
        table(
            ["words", "workers", "cache", "s", "s/word", "words/min"],
            [
                [r["words"], r["workers"], r["cache_state"], r["seconds"], r["seconds_per_word"], r["words_per_minute"]]
                for r in scale
            ],
        )
    )
    print(f"2 workers vs 1: {ratio:.2f}x faster (median over rounds)")
    return {
        "settings": SETTINGS,
        "cases": {n: t.to_dict() for n, t in timings.items()},
        "runs": runs,
        "speedup_2_vs_1": ratio,
        "best_workers": best,
        "scaling": scale,
    }
