"""Capture throughput: semphys vs TransformerLens vs plain HF vs the compute bound; model load time.

All cases capture the residual stream of the embedded Gemma-3-270M (fp32, CPU) at the last
sub-token of each prompt's target word, for the 128 prompts of `_prompts.capture_prompt_set`,
at all n_layers + 1 = 19 indices (embeddings, then each block's output) unless said otherwise:

semphys       `capture_residuals(lm, prompts, targets)`: defaults (length-bucketed batches under
              `batch_tokens`, body only, hooks copy the target rows, right padding).
semphys 0,9   the same with `layers=[0, 9]` (the forward stops after block 8).
HF            plain transformers: `tokenizer(chunk, padding=True, padding_side="right")`, then
              `lm.body(..., output_hidden_states=True, use_cache=False)` under inference_mode
              (body only, no LM head), then the target rows gathered from the 19 hidden states.
TL            TransformerLens 4.x `TransformerBridge.boot_transformers("google/gemma-3-270m",
              hf_model=<second copy of the cached model>, tokenizer=<second tokenizer>)`, then
              `run_with_cache(chunk, names_filter=<blocks.0.hook_resid_pre and every
              hook_resid_post>, return_type=None)`, then the target rows gathered. The bridge pads
              on the left and forces eager attention on its own copy.
              HF and TL see the same chunks: the prompts in their given (unsorted) order,
              `--baseline-batch` per call, each chunk padded to its longest prompt.
matmul peak   the model's own nn.Linear weights (every projection of every block), applied with
              `F.linear` to one [n_real_tokens, d_in] random input each: the time the model's
              matmuls would take with no padding, attention, elementwise work or Python.

`--device cuda` runs every case on the GPU (the TransformerLens bridge too): inputs are sent there,
results come back to the CPU inside each case, and the matmul case synchronises before its clock
stops (CUDA kernels run asynchronously). The load times are `load_lm("embedded", device=...)` in a fresh
process (reading the cache, then `.to(device)`). The quiet-core rule of `_harness` still watches the
CPUs. Not yet measured on a GPU: no GPU was at hand when this option was written.

Every case is timed `--repeats` times, interleaved with rotating order, after one warm-up; medians
are compared. Throughput counts target tokens per second (one target per prompt, so prompts per
second) and real tokens per second (unpadded, BOS included). Achieved FLOP/s =
2 x n_params_non_embedding x real tokens / median time: padding is counted as waste, and attention
score FLOPs are left out, as in the compute bound. Peak FLOP/s is the matmul case's median (best
also shown), measured in the same rounds, under the same load.

Model load: cold = `load_lm("embedded")` in a fresh process with `SEMPHYS_CACHE` pointing at an
empty temporary directory (assemble the GGUF, de-quantize, write the cache; the PyPI chunk files
are likely in the OS page cache already); cached = the same with the built cache, median of
`--load-repeats` fresh processes. Both report the `load_lm` call (`LM.load_seconds`) and the whole
process (interpreter start and imports included).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmarks._harness import MIN_QUIET, QUIET_CORES, Timing, interleaved, paired_ratios, table
from benchmarks._prompts import PromptSet, capture_prompt_set
from semphys.lm import LM, TargetSpan, capture_residuals, load_lm, locate_target

GOALS = {"vs_transformer_lens": 3.0, "vs_hf": 1.3, "of_peak": 0.6}
"""The issue's goals: >= 3x TransformerLens, >= 1.3x plain HF, >= 60% of measured peak matmul FLOP/s."""

FEW_LAYERS = (0, 9)
FEW_NAME = f"semphys {','.join(map(str, FEW_LAYERS))}"


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--cold",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time one cold load of the embedded model (builds its cache in a temporary directory, about 80 s)",
    )
    group.add_argument("--load-repeats", type=int, default=3, help="fresh processes timed for the cached load")
    group.add_argument(
        "--batch-tokens", type=int, default=None, help="semphys `batch_tokens` (default: capture_residuals' default)"
    )
    group.add_argument(
        "--baseline-batch", type=int, default=32, help="prompts per HF / TransformerLens call (given order)"
    )
    group.add_argument(
        "--no-transformer-lens", dest="transformer_lens", action="store_false", help="skip the TransformerLens case"
    )
    group.add_argument("--device", default="cpu", help="where every case runs: cpu, cuda or cuda:N")


def main(args: argparse.Namespace) -> dict:
    prompt_set = capture_prompt_set()
    lm = load_lm("embedded", device=args.device)
    spans = [locate_target(lm.tokenizer, p, t) for p, t in zip(prompt_set.prompts, prompt_set.targets)]
    lengths = [span.n_tokens for span in spans]
    prompts, targets = list(prompt_set.prompts), list(prompt_set.targets)
    chunks = [
        list(range(i, min(i + args.baseline_batch, len(spans)))) for i in range(0, len(spans), args.baseline_batch)
    ]
    semphys_kwargs = {"progress": False} | ({"batch_tokens": args.batch_tokens} if args.batch_tokens else {})
    _log(
        f"{len(spans)} prompts, {sum(lengths)} real tokens; n_params_non_embedding {lm.facts.n_params_non_embedding:,}"
    )

    outputs: dict[str, Tensor] = {}

    def semphys_all() -> None:
        outputs["semphys"] = capture_residuals(lm, prompts, targets, **semphys_kwargs).resid

    def semphys_few() -> None:
        outputs["semphys_few"] = capture_residuals(lm, prompts, targets, layers=FEW_LAYERS, **semphys_kwargs).resid

    def hf() -> None:
        outputs["hf"] = _hf_capture(lm, spans, chunks)

    linears = [m for m in lm.layout.blocks.modules() if isinstance(m, nn.Linear)]
    matmul_inputs = {m.in_features: torch.randn(sum(lengths), m.in_features, device=lm.device) for m in linears}

    def matmul_peak() -> None:
        with torch.inference_mode():
            for module in linears:
                F.linear(matmul_inputs[module.in_features], module.weight)
        _synchronize(lm.device)

    cases = {"semphys": semphys_all, FEW_NAME: semphys_few, "HF": hf}
    bridge = None
    if args.transformer_lens and _transformer_lens_missing():
        _log("TransformerLens is not installed (pip install -e '.[bench]'): its case is skipped")
    elif args.transformer_lens:
        bridge, tl_offsets = _boot_bridge(prompts, chunks, args.device)

        def transformer_lens() -> None:
            outputs["tl"] = _tl_capture(bridge, spans, chunks, tl_offsets, lm.facts.n_layers)

        cases["TransformerLens"] = transformer_lens
    cases["matmul peak"] = matmul_peak

    timings = interleaved(cases, args.repeats, max_rounds=args.max_rounds, log=_log)
    matmul_flop = 2 * sum(m.weight.numel() for m in linears) * sum(lengths)
    result = {
        "model": lm.facts.to_dict(),
        "prompt_set": _describe_prompts(prompt_set, lengths),
        "settings": {
            "repeats": args.repeats,
            "semphys_kwargs": semphys_kwargs,
            "baseline_batch": args.baseline_batch,
            "tokens_run": {
                "semphys": _tokens_run(lm, semphys_all),
                FEW_NAME: _tokens_run(lm, semphys_few),
                "HF": _tokens_run(lm, hf),
            }
            | ({"TransformerLens": sum(len(c) * max(lengths[i] for i in c) for c in chunks)} if bridge else {}),
        },
        "agreement": _agreement(lm, outputs),
    }
    result |= _throughput(timings, len(lengths), sum(lengths), lm.facts.n_params_non_embedding, matmul_flop)
    outputs.clear()  # free the captures (and the TransformerLens bridge) before the load-time runs
    bridge = None
    result["load"] = _load_times(args.cold, args.load_repeats, args.device)
    _print(result)
    return result


def _synchronize(device: torch.device) -> None:
    """Wait for the device's queued kernels (CUDA runs them asynchronously; the CPU needs nothing)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _gather(hidden: Sequence[Tensor], rows: Tensor, cols: Tensor) -> Tensor:
    """[n, n_layers + 1, d_model] from a sequence of [batch, seq, d_model] tensors."""
    return torch.stack([h[rows, cols] for h in hidden], dim=1)


def _hf_capture(lm: LM, spans: list[TargetSpan], chunks: list[list[int]]) -> Tensor:
    """Plain HF: right-padded chunks, body only, output_hidden_states=True, target rows gathered."""
    parts = []
    with torch.inference_mode():
        for chunk in chunks:
            encoded = lm.tokenizer(
                [spans[i].prompt for i in chunk], padding=True, padding_side="right", return_tensors="pt"
            ).to(lm.device)
            out = lm.body(**encoded, output_hidden_states=True, use_cache=False)
            cols = torch.tensor([spans[i].token_positions[-1] for i in chunk], device=lm.device)
            parts.append(_gather(out.hidden_states, torch.arange(len(chunk), device=lm.device), cols).cpu())
    return torch.cat(parts)


def _boot_bridge(prompts: list[str], chunks: list[list[int]], device: str):
    """TransformerLens's bridge on a second copy of the cached model; the left-padding offset of each prompt."""
    from transformer_lens.model_bridge import TransformerBridge
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from semphys.lm.models.embedded import embedded_cache_path

    path = embedded_cache_path()
    hf_model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    if not hf_model.config.architectures:  # the cache's config has it; the bridge refuses a model without
        hf_model.config.architectures = ["Gemma3ForCausalLM"]
    bridge = TransformerBridge.boot_transformers(
        "google/gemma-3-270m",
        hf_model=hf_model,
        tokenizer=AutoTokenizer.from_pretrained(path),
        device=device,
        dtype=torch.float32,
    )
    offsets = []
    for chunk in chunks:
        tokens = bridge.to_tokens([prompts[i] for i in chunk])
        pad = bridge.tokenizer.pad_token_id
        if bridge.tokenizer.padding_side != "left":
            raise RuntimeError(
                f"expected TransformerLens to pad on the left, it pads on the {bridge.tokenizer.padding_side}"
            )
        offsets += [int((row == pad).long().cumprod(0).sum()) for row in tokens]  # leading pad tokens
    return bridge, offsets


def _tl_capture(bridge, spans: list[TargetSpan], chunks: list[list[int]], offsets: list[int], n_layers: int) -> Tensor:
    names = ["blocks.0.hook_resid_pre"] + [f"blocks.{layer}.hook_resid_post" for layer in range(n_layers)]
    wanted = set(names)
    parts = []
    for chunk in chunks:
        _, cache = bridge.run_with_cache(
            [spans[i].prompt for i in chunk], names_filter=lambda name: name in wanted, return_type=None
        )
        hidden = [cache[name] for name in names]
        cols = torch.tensor([spans[i].token_positions[-1] + offsets[i] for i in chunk], device=hidden[0].device)
        parts.append(_gather(hidden, torch.arange(len(chunk), device=hidden[0].device), cols).cpu())
    return torch.cat(parts)


def _relative_difference(a: Tensor, b: Tensor) -> float:
    """max over vectors of |a - b| / |b| (L2 norms of d_model-vectors; elementwise ratios blow up near 0)."""
    return float(((a - b).norm(dim=-1) / b.norm(dim=-1).clamp_min(1e-30)).max())


def _agreement(lm: LM, outputs: dict[str, Tensor]) -> dict[str, float]:
    """Max relative differences between the cases' vectors (HF's last index has the final norm applied)."""
    semphys = outputs["semphys"]
    found = {}
    if "hf" in outputs:
        found["semphys_vs_hf_layers_0_to_n-1"] = _relative_difference(semphys[:, :-1], outputs["hf"][:, :-1])
        with torch.inference_mode():
            normed = lm.layout.final_norm(semphys[:, -1].to(lm.device)).cpu()
        found["semphys_final_norm_vs_hf_last"] = _relative_difference(normed, outputs["hf"][:, -1])
    if "tl" in outputs:
        found["semphys_vs_transformer_lens"] = _relative_difference(semphys, outputs["tl"])
    if "semphys_few" in outputs:
        found["semphys_few_vs_all"] = _relative_difference(outputs["semphys_few"], semphys[:, list(FEW_LAYERS)])
    return found


def _tokens_run(lm: LM, case) -> dict[str, int]:
    """Forward passes of `lm.body` one run of `case` makes, and the (padded) tokens they take."""
    shapes = []

    def record(module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        shapes.append(tuple(ids.shape))

    handle = lm.body.register_forward_pre_hook(record, with_kwargs=True)
    try:
        case()
    finally:
        handle.remove()
    return {"forward_passes": len(shapes), "tokens": sum(b * t for b, t in shapes)}


def _transformer_lens_missing() -> bool:
    import importlib.util

    return importlib.util.find_spec("transformer_lens") is None


def _describe_prompts(prompt_set: PromptSet, lengths: list[int]) -> dict[str, object]:
    ordered = sorted(lengths)
    return {
        "n_prompts": len(lengths),
        "real_tokens": sum(lengths),
        "tokens_min_median_max": [ordered[0], ordered[len(ordered) // 2], ordered[-1]],
        "parts": {part: prompt_set.parts.count(part) for part in sorted(set(prompt_set.parts))},
        "fingerprint": prompt_set.fingerprint,
        "wordnet_source": prompt_set.wordnet_source,
    }


def _throughput(
    timings: dict[str, Timing], n_prompts: int, real_tokens: int, n_params: int, matmul_flop: int
) -> dict[str, object]:
    """Per-case throughput and FLOP/s, and the ratios with their goals.

    Ratios are given three ways: the median over rounds of the per-round ratio (headline: the two
    cases ran seconds apart, so a load change between rounds cancels), the ratio of the medians,
    and the ratio of the fastest repeats.
    """
    flop = 2 * n_params * real_tokens
    peak = timings["matmul peak"]
    cases = {}
    for name, timing in timings.items():
        row = timing.to_dict() | {
            "target_tokens_per_s": n_prompts / timing.median,
            "real_tokens_per_s": real_tokens / timing.median,
        }
        if name == "matmul peak":
            row["flops"] = matmul_flop / timing.median
        elif name != FEW_NAME:
            row["achieved_flops"] = flop / timing.median
        cases[name] = row

    def ratio(slow: str, fast: str, scale: float = 1.0) -> dict[str, float]:
        per_round = paired_ratios(timings[slow], timings[fast])
        return {
            "median_of_rounds": scale * statistics.median(per_round),
            "of_medians": scale * timings[slow].median / timings[fast].median,
            "of_bests": scale * timings[slow].best / timings[fast].best,
            "rounds": [scale * r for r in per_round],
        }

    # fraction of peak = (flop / t_semphys) / (matmul_flop / t_peak) = (flop / matmul_flop) * t_peak / t_semphys
    ratios = {
        "vs_hf": ratio("HF", "semphys"),
        "of_peak": ratio("matmul peak", "semphys", flop / matmul_flop),
        "few_layers_speedup": ratio("semphys", FEW_NAME),
    }
    if "TransformerLens" in timings:
        ratios["vs_transformer_lens"] = ratio("TransformerLens", "semphys")
        ratios["hf_vs_transformer_lens"] = ratio("TransformerLens", "HF")
    goals = {
        name: {"goal": goal, "met": ratios[name]["median_of_rounds"] >= goal}
        for name, goal in GOALS.items()
        if name in ratios
    }
    return {
        "flop_per_capture": flop,
        "matmul_flop": matmul_flop,
        "peak_flops": {"median": matmul_flop / peak.median, "best": matmul_flop / peak.best},
        "cases": cases,
        "ratios": ratios,
        "goals": goals,
    }


_CHILD = """
import json, time
start = time.perf_counter()
from semphys.lm import load_lm
imported = time.perf_counter()
lm = load_lm("embedded", device=DEVICE)
print(json.dumps({"import_s": imported - start, "load_s": lm.load_seconds}))
"""


def _load_in_child(env: dict[str, str], device: str) -> dict[str, float]:
    """`load_lm("embedded", device=...)` in a fresh interpreter: its own timing, and the whole process's."""
    start = time.perf_counter()
    child = f"DEVICE = {device!r}\n" + _CHILD
    done = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"load_lm in a child process failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"process_s": wall}


def _load_times(cold: bool, repeats: int, device: str) -> dict[str, object]:
    """Cached loads (fresh processes, the user's cache) and one cold load (empty SEMPHYS_CACHE)."""
    _log(f"model load: {repeats} cached load(s)" + (", then one cold load (about 80 s)" if cold else ""))
    cached = [_load_in_child(dict(os.environ), device) for _ in range(repeats)]
    result: dict[str, object] = {
        "cached": cached,
        "cached_median_load_s": statistics.median(c["load_s"] for c in cached),
        "cached_median_process_s": statistics.median(c["process_s"] for c in cached),
    }
    if cold:
        with tempfile.TemporaryDirectory(prefix="semphys-bench-cold-") as tmp:
            result["cold"] = _load_in_child(dict(os.environ) | {"SEMPHYS_CACHE": tmp}, device)
        result["cold_vs_cached"] = result["cold"]["load_s"] / result["cached_median_load_s"]
    return result


def _print(result: dict) -> None:
    """The human-readable report, on stdout."""
    prompts, settings = result["prompt_set"], result["settings"]
    lo, mid, hi = prompts["tokens_min_median_max"]
    print(
        f"\ncapture: {prompts['n_prompts']} prompts (one target each), {prompts['real_tokens']} real tokens "
        f"({lo} / {mid} / {hi} min / median / max per prompt), {lm_line(result['model'])}, "
        f"{settings['repeats']} interleaved repeats after a warm-up"
    )
    peak = result["peak_flops"]["median"]
    rows = []
    for name, case in result["cases"].items():
        flops = case.get("achieved_flops", case.get("flops"))
        rows.append(
            [
                name,
                case["median_s"],
                f"{case['best_s']:.3g}-{case['worst_s']:.3g}",
                case["target_tokens_per_s"],
                case["real_tokens_per_s"],
                None if flops is None else flops / 1e9,
                None if flops is None else 100 * flops / peak,
                f"{case['n_quiet']}/{len(case['seconds'])}",
            ]
        )
    headers = ["case", "median s", "range s", "targets/s", "real tok/s", "GFLOP/s", "% peak", "quiet"]
    print(table(headers, rows))
    print(
        f"(GFLOP/s = 2 x {result['model']['n_params_non_embedding']:,} non-embedding params x real tokens / median; "
        f"peak = the model's own matmuls on the {prompts['real_tokens']} real tokens in one batch; "
        f"quiet = repeats during which other processes used < {QUIET_CORES} core / repeats run; "
        f"statistics use the quiet ones when there are at least {MIN_QUIET})"
    )
    busy = [name for name, case in result["cases"].items() if case["n_quiet"] < min(MIN_QUIET, len(case["seconds"]))]
    if busy:
        print(
            f"WARNING: other processes kept the machine busy during {', '.join(busy)}: those statistics include "
            "contended repeats and the ratios below are not reliable (a 2-thread job slows 2-10x when a core is "
            "taken); run again when the machine is quiet, or with more --max-rounds"
        )
    print(
        "tokens run per capture (padding included; real tokens "
        + f"{prompts['real_tokens']}): "
        + ", ".join(
            f"{name} {run if isinstance(run, int) else run['tokens']}"
            + ("" if isinstance(run, int) else f" in {run['forward_passes']} forward passes")
            for name, run in settings["tokens_run"].items()
        )
    )
    labels = {
        "vs_transformer_lens": "semphys / TransformerLens (speed-up)",
        "vs_hf": "semphys / plain HF (speed-up)",
        "of_peak": "semphys achieved / peak matmul FLOP/s",
        "few_layers_speedup": f"semphys layers {FEW_NAME.split()[1]} / all layers",
        "hf_vs_transformer_lens": "plain HF / TransformerLens",
    }
    rows = []
    for name, label in labels.items():
        if name not in result["ratios"]:
            continue
        r, goal = result["ratios"][name], result["goals"].get(name)
        met = "" if goal is None else ("met" if goal["met"] else "NOT met") + f" (goal {goal['goal']:g})"
        rows.append([label, r["median_of_rounds"], r["of_medians"], r["of_bests"], met])
    print()
    print(table(["ratio", "median of rounds", "of medians", "of bests", "goal"], rows))
    print(
        "\nagreement (max over vectors of |a - b| / |b|): "
        + ", ".join(f"{name} {value:.1e}" for name, value in result["agreement"].items())
    )
    load = result["load"]
    line = (
        f"model load (load_lm, fresh process): cached {load['cached_median_load_s']:.2f} s (median of {len(load['cached'])}; "
        f"whole process {load['cached_median_process_s']:.2f} s)"
    )
    if "cold" in load:
        line += f", cold {load['cold']['load_s']:.1f} s (whole process {load['cold']['process_s']:.1f} s): cold / cached = {load['cold_vs_cached']:.1f}x"
    print(line)


def lm_line(facts: dict) -> str:
    return f"{facts['spec']} ({facts['architecture']}, {facts['n_layers']} layers, d_model {facts['d_model']}, fp32)"
