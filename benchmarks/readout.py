"""Readout capture cost: semphys (`capture_all`, batched, body only, stops at the deepest layer) vs a
naive loop that calls the HF model once per sentence with `output_hidden_states=True` (issue 13).

Sentences: every distinct sentence `semphys phase readout` forwards for the first `--readout-words`
WordNet nouns (gloss prompts and test items; the anisotropy baseline included). Per model
(`embedded`, `minilm`): both cases timed with `_harness.interleaved` (rotating order, quiet
repeats, medians), no activation cache. The naive loop calls `lm.model` (for Gemma the causal LM
with its 262k-wide head, as a user of plain transformers would) on each whole sentence.
Reported: seconds per sentence of each, their ratio (goal >= 3x), and the process's peak resident
memory (goal < 4 GiB; `ru_maxrss`, both models loaded one after the other).
"""

import argparse
import resource
import sys

import torch

from benchmarks._harness import interleaved, paired_ratios, table
from semphys.experiments.phase.readout_models import word_requests
from semphys.lm import load_lm
from semphys.lm.cache import Request
from semphys.phase.activations import capture_all
from semphys.phase.anisotropy import BASELINE
from semphys.phase.readout.items import wordnet_items

GOALS = {"speedup_vs_naive": 3.0, "peak_rss_gib": 4.0}


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--readout-words", type=int, default=60, help="WordNet nouns whose sentences are timed")
    group.add_argument("--readout-repeats", type=int, default=3, help="timed repeats of each case")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_model(spec: str, requests: list[Request], repeats: int) -> dict:
    """Both cases on one model: medians per sentence and the round-by-round speedup."""
    lm = load_lm(spec)

    def semphys_case() -> None:
        capture_all(lm, requests, None, "last", False, 256)

    def naive_case() -> None:
        with torch.inference_mode():
            for request in requests:
                encoded = lm.tokenizer(request.prompt, return_tensors="pt")
                lm.model(**encoded, output_hidden_states=True)

    timings = interleaved({"semphys": semphys_case, "naive HF loop": naive_case}, repeats, log=_log)
    ratios = sorted(paired_ratios(timings["naive HF loop"], timings["semphys"]))
    return {
        "ms_per_sentence": {name: t.median / len(requests) * 1e3 for name, t in timings.items()},
        "speedup": ratios[len(ratios) // 2],
        "cases": {n: t.to_dict() for n, t in timings.items()},
    }


def main(args: argparse.Namespace) -> dict:
    items = wordnet_items(("n",), args.readout_words)
    requests = list(
        dict.fromkeys([Request(p, t) for p, t in BASELINE] + [r for w in items.words for r in word_requests(w)])
    )
    result = {"n_sentences": len(requests), "models": {}}
    rows = []
    for spec in ("embedded", "minilm"):
        found = result["models"][spec] = time_model(spec, requests, args.readout_repeats)
        per = found["ms_per_sentence"]
        rows.append(
            [spec, len(requests), f"{per['semphys']:.2f}", f"{per['naive HF loop']:.2f}", f"{found['speedup']:.1f}x"]
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    result["peak_rss_gib"] = peak
    result["goals"] = GOALS
    print(table(["model", "sentences", "semphys ms/sentence", "naive ms/sentence", "speedup (goal 3x)"], rows))
    print(f"peak resident memory {peak:.2f} GiB (goal < {GOALS['peak_rss_gib']} GiB)")
    return result
