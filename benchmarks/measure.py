"""`semphys langevin measure`: how the cost splits between forward passes, fitting, simulation and the nulls.

On the embedded model (Gemma-3-270M, 18 layers, d 640, vocabulary 262,144), at a reduced size that
scales linearly to the default run (N = 2,000 windows, 64-token passages):

forward       lines of thought of `--measure-windows` WordNet windows, all 19 layers, no cache
              (`windows.line_states`, batched, body only);
fit (b)       the Kramers-Moyal sphere Langevin at rank 32 (the grid's top) on those windows, every layer;
fit homog.    the time-homogeneous (b) at rank 32 (every layer's increments pooled);
fit (a)       the Lines-of-Thought transport at rank 32, every layer;
simulate      five ensembles (langevin, transport, random walk, constant drift, deterministic) from
              the windows' layer-0 states through `langevin.engine`;
paired test   the ensemble rows' paired bootstrap (200) and label swaps (999 per null, 3 nulls);
vocab         one 64-token passage's final residuals and its sqrt(p) Gram matrix over the whole
              vocabulary, reduced on the fly (`vocab.sqrt_prob_gram`);
decode step   one sampled token for 4 rows with the KV cache (`IncrementalDecoder`, full logits).

Single-threaded numpy and torch (what `run_measure` uses), interleaved repeats, medians.
"""

import argparse
import sys

import torch
from threadpoolctl import threadpool_limits

from benchmarks._harness import interleaved, table
from semphys.core.threads import torch_threads
from semphys.data import load_corpus
from semphys.langevin.measure.ensembles import paired_ensemble_test, simulate_ensemble
from semphys.langevin.measure.layerfit import constant_drift_steps, fit_steps, random_walk_steps
from semphys.langevin.measure.steps import deterministic
from semphys.langevin.measure.token_time import real_passages
from semphys.langevin.measure.vocab import sqrt_prob_gram
from semphys.langevin.measure.windows import line_states, text_windows
from semphys.lm import IncrementalDecoder, final_residuals, load_lm, logit_chunks


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--measure-windows", type=int, default=128, help="windows per forward / fit case")


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def main(args: argparse.Namespace) -> dict:
    lm = load_lm("embedded")
    corpus = load_corpus()
    windows = text_windows(corpus.texts("train"), args.measure_windows, seed=0)
    passage = real_passages(lm, corpus.texts("valid"), 1, 64)[0]
    with threadpool_limits(1), torch_threads(1):
        states = line_states(lm, windows, cache=None).directions
        langevin, transport = fit_steps(states, "langevin", 32), fit_steps(states, "transport", 32)
        models = [langevin, transport, random_walk_steps(states), constant_drift_steps(states), deterministic(langevin)]
        simulated = [simulate_ensemble(m, states[:, 0]) for m in models]
        decoder = IncrementalDecoder(lm, "The bank of the river", batch=4, ban_special=False)

        def decode_step() -> None:
            probs = torch.softmax(decoder.logits().double(), dim=-1)
            decoder.append(torch.multinomial(probs, 1))

        cases = {
            "forward": lambda: line_states(lm, windows, cache=None),
            "fit (b) langevin r32": lambda: fit_steps(states, "langevin", 32),
            "fit homogeneous r32": lambda: fit_steps(states, "homogeneous", 32),
            "fit (a) transport r32": lambda: fit_steps(states, "transport", 32),
            "simulate 5 ensembles": lambda: [simulate_ensemble(m, states[:, 0]) for m in models],
            "paired ensemble test": lambda: paired_ensemble_test(states, simulated[0], dict(zip("rcd", simulated[2:]))),
            "vocab (64 tokens)": lambda: sqrt_prob_gram(logit_chunks(lm, final_residuals(lm, passage[None])[0])),
            "decode step (4 rows)": decode_step,
        }
        timings = interleaved(cases, args.repeats, max_rounds=args.max_rounds, log=_log)
    n = args.measure_windows
    # fits: each candidate rank on 80% then the chosen one on all (rank 32 dominates: about 1.8 x 1500 / n)
    default = {
        "forward": 2000 / n,
        "fit (b) langevin r32": 1.8 * 1500 / n,
        "fit homogeneous r32": 1.8 * 1500 / n,
        "fit (a) transport r32": 1.8 * 1500 / n,
        "simulate 5 ensembles": 500 / n,
        "paired ensemble test": 1.0,  # set by swaps x pairs x layers, not by the windows
        "vocab (64 tokens)": 40 + 16 + 12 * 5,
        "decode step (4 rows)": 4 * 64,
    }
    rows = [[name, t.median, t.spread, default[name], t.median * default[name]] for name, t in timings.items()]
    print(table(["case", "median s", "spread", "x in the default run", "default-run s (est.)"], rows))
    return {
        "windows": n,
        "timings": {name: t.to_dict() for name, t in timings.items()},
        "scale_to_default": default,
        "default_run_estimate_s": {name: timings[name].median * default[name] for name in timings},
    }
