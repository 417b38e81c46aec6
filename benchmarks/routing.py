"""Routing throughput: training tokens per second with the Omega router vs the softmax top-k router.

The models are those of `semphys routing compare` (d_model 64, 2 layers, 8 experts, top-2, expert
width 64, capacity 1.25, vocabulary 2048), identical but for the router: `softmax` (W x), `omega`
(spec 003: tanh(W_origin o) * relu(W_fire x), + sin(W_res h), W_proj; plus the origin embedding), and
the `dense` model of equal active parameters as a reference. One case = `--routing-steps` AdamW
training steps (forward, loss with the auxiliary losses, backward, update) on the same fixed
batches of real WordNet text (`--routing-batch` windows of 32 tokens), interleaved, after a warm-up.
The issue's goal: Omega within 10% of the softmax router's tokens per second.
"""

import argparse
import dataclasses
import sys

from benchmarks._harness import interleaved, paired_ratios, table
from semphys.core.threads import torch_threads
from semphys.routing.compare import CompareConfig
from semphys.routing.moe_lm import RoutingLM, RoutingLMConfig
from semphys.textlm.batches import random_batch
from semphys.textlm.data import DataConfig, load_text_data
from semphys.textlm.objective import lm_loss
from semphys.textlm.train import TrainConfig, build_seeded, make_optimizer

GOAL = 0.10
SEQ_LEN = CompareConfig().train.seq_len


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--routing-steps", type=int, default=20, help="routing: training steps per timed case")
    group.add_argument("--routing-batch", type=int, default=32, help="routing: windows of 32 tokens per step")
    group.add_argument("--routing-threads", type=int, default=1, help="routing: torch threads for every case")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _model_config(variant: str, vocab_size: int) -> RoutingLMConfig:
    """The `compare` model of `variant` for this vocabulary."""
    base = CompareConfig().model
    return dataclasses.replace(base, variant=variant, body=dataclasses.replace(base.body, vocab_size=vocab_size))


def _trainer(variant: str, vocab_size: int, batches: list) -> callable:
    config = _model_config(variant, vocab_size)
    model = build_seeded(lambda: RoutingLM(config), 0)
    optimizer = make_optimizer(list(model.parameters()), TrainConfig())

    def steps() -> None:
        for batch in batches:
            loss, _ = lm_loss(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    return steps


def main(args: argparse.Namespace) -> dict:
    with torch_threads(args.routing_threads):
        data = load_text_data(DataConfig(max_train_tokens=300_000))
        batches = [random_batch(data.train, args.routing_batch, SEQ_LEN, 0, s) for s in range(args.routing_steps)]
        cases = {name: _trainer(name, data.vocab_size, batches) for name in ("softmax", "omega", "dense")}
        timings = interleaved(cases, args.repeats, max_rounds=args.max_rounds, log=_log)
    tokens = args.routing_steps * args.routing_batch * SEQ_LEN
    rates = {name: tokens / t.median for name, t in timings.items()}
    ratio = rates["omega"] / rates["softmax"]
    paired = paired_ratios(timings["softmax"], timings["omega"])  # omega tokens/s over softmax, round by round
    result = {
        "problem": {
            "steps": args.routing_steps,
            "batch": args.routing_batch,
            "seq_len": SEQ_LEN,
            "threads": args.routing_threads,
            "model": dataclasses.asdict(_model_config("omega", data.vocab_size)),
        },
        "timings": {name: t.to_dict() for name, t in timings.items()},
        "tokens_per_second": rates,
        "omega_over_softmax": ratio,
        "paired_omega_over_softmax": list(paired),
        "goal": f"omega within {GOAL:.0%} of softmax",
        "goal_met": bool(abs(ratio - 1) <= GOAL),
    }
    rows = [[name, rates[name], timings[name].median, timings[name].spread] for name in timings]
    print(table(["router", "tokens/s", "median s", "spread"], rows))
    print(
        f"Omega / softmax training tokens per second: {ratio:.3f} (paired rounds: "
        + ", ".join(f"{r:.3f}" for r in paired)
        + f"); goal within {GOAL:.0%}"
    )
    return result
