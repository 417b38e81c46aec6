"""`run_compare`: every variant x every seed, trained on the same tokens, measured the same way.

For each (variant, seed): a `RoutingLM` built from the seed, trained with `fit` on the same
random windows of the WordNet training stream (the batches depend on the seed and the step only,
so every variant of a seed sees the same tokens), then measured on the validation windows:
perplexity, routing per layer (`semphys.routing.metrics`), weak-stimulus sensitivity, parameters
(total and active), training tokens per second. `omega_shuffled` trains and evaluates on origin
labels permuted between documents. Each finished run is saved as `runs/<variant>_seed<k>.json`
(and its checkpoint beside it), so an interrupted comparison resumes with the runs it lacks.
`summary` gives, per variant, the mean, the standard deviation (ddof 1) and the values over seeds.
"""

import dataclasses
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from semphys.errors import UserError
from semphys.io import write_text_atomic
from semphys.provenance import collect_provenance
from semphys.routing.lm import SHUFFLED, VARIANTS, RoutingLM, RoutingLMConfig
from semphys.routing.metrics import layer_routing, routing_decisions, sensitivity
from semphys.textlm.batches import Batch, eval_windows, random_batch
from semphys.textlm.data import DataConfig, TextData, load_text_data, shuffle_origins
from semphys.textlm.evaluate import perplexity
from semphys.textlm.objective import lm_loss
from semphys.textlm.train import TrainConfig, build_seeded, fit
from semphys.threads import torch_threads

SCHEMA = "semphys.routing/1"
HEADLINE: tuple[str, ...] = ("val_ppl", "load_cv", "load_entropy", "dropped", "mi_bits", "mi_excess",
                             "sensitivity_token_at", "sensitivity_token_after", "sensitivity_origin",
                             "tokens_per_second")
"""Per-run figures summarised over seeds (routing figures are means over the MoE layers)."""


@dataclass(frozen=True)
class CompareConfig:
    """The whole comparison; written to results.json."""

    variants: tuple[str, ...] = VARIANTS
    seeds: tuple[int, ...] = (0, 1, 2)
    data: DataConfig = field(default_factory=lambda: DataConfig(max_valid_tokens=60000))
    model: RoutingLMConfig = field(default_factory=RoutingLMConfig)
    """The shared body; `variant` is set per run."""
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        steps=1200, batch_size=32, seq_len=32, lr=1e-2, checkpoint_every=200))
    metric_windows: int = 512
    """Validation windows the routing metrics and sensitivities use."""
    shuffle_seed: int = 12345
    """Seed of the origin permutation of `omega_shuffled`."""
    threads: int = 1

    def __post_init__(self) -> None:
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown:
            raise UserError(f"unknown variant {', '.join(unknown)}: choose from {', '.join(VARIANTS)}")
        if not self.seeds:
            raise UserError("give at least one seed")
        if self.model.max_seq_len < self.train.seq_len:
            raise UserError(f"seq_len {self.train.seq_len} exceeds the model's max_seq_len {self.model.max_seq_len}")


def quick_compare(seeds: int = 2) -> CompareConfig:
    """The `--quick` preset: 300 steps per run, 2 seeds, 20k validation tokens."""
    base = CompareConfig()
    return dataclasses.replace(base, seeds=tuple(range(seeds)), data=dataclasses.replace(base.data, max_valid_tokens=20000),
                               train=dataclasses.replace(base.train, steps=300, checkpoint_every=100),
                               metric_windows=256)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _data_for(variant: str, data: TextData, seed: int) -> TextData:
    if variant not in SHUFFLED:
        return data
    return dataclasses.replace(data, train=shuffle_origins(data.train, data.eos_id, seed),
                               valid=shuffle_origins(data.valid, data.eos_id, seed + 1))


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def train_and_measure(variant: str, seed: int, config: CompareConfig, data: TextData, checkpoint: Path | None,
                      progress: bool = True) -> dict:
    """One run: build, train, measure (see the module docstring); a JSON-ready dict."""
    model_config = dataclasses.replace(config.model, variant=variant, vocab_size=data.vocab_size,
                                       n_origins=data.n_origins)
    model = build_seeded(lambda: RoutingLM(model_config), seed)
    train = dataclasses.replace(config.train, seed=seed)
    run_data = _data_for(variant, data, config.shuffle_seed)
    result = fit(model, model_config, lm_loss,
                 lambda step: random_batch(run_data.train, train.batch_size, train.seq_len, seed, step),
                 train, checkpoint, description=f"{variant} seed {seed}", progress=progress)
    windows = eval_windows(run_data.valid, train.seq_len)
    metric: Batch = windows.rows(0, config.metric_windows)
    layers = [layer_routing(stats, metric.origins.reshape(-1), data.n_origins, config.model.moe.n_experts, seed=seed)
              for stats in routing_decisions(model, metric)]
    sens = sensitivity(model, metric, data.vocab_size, data.n_origins, seed=seed) if layers else None
    total = sum(p.numel() for p in model.parameters())
    return {
        "variant": variant, "seed": seed, "val_ppl": perplexity(model, windows).ppl, "val_tokens": windows.n_tokens,
        "params_total": total, "params_active": model.active_parameters(), "train_tokens": train.tokens,
        "train_seconds": result.seconds, "tokens_per_second": train.tokens / result.seconds if result.seconds else None,
        "history": result.history, "layers": [dataclasses.asdict(layer) for layer in layers],
        "load_cv": _mean([lay.load_cv for lay in layers]) if layers else None,
        "load_entropy": _mean([lay.load_entropy for lay in layers]) if layers else None,
        "dropped": _mean([lay.dropped for lay in layers]) if layers else None,
        "mi_bits": _mean([lay.mi_bits for lay in layers]) if layers else None,
        "mi_excess": _mean([lay.mi_excess for lay in layers]) if layers else None,
        "sensitivity_token_at": sens["token_at"] if sens else None,
        "sensitivity_token_after": sens["token_after"] if sens else None,
        "sensitivity_origin": sens["origin"] if sens else None,
    }


def summarise(runs: list[dict], variants: tuple[str, ...]) -> dict[str, dict[str, dict]]:
    """Per variant and headline figure: mean, std (ddof 1, 0 for one seed), n and the values; None where n/a."""
    summary = {}
    for variant in variants:
        mine = [r for r in runs if r["variant"] == variant]
        entry = {}
        for key in HEADLINE:
            values = [r[key] for r in mine if r.get(key) is not None]
            if not values:
                entry[key] = None
                continue
            std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
            entry[key] = {"mean": float(np.mean(values)), "std": std, "n": len(values), "values": values}
        entry["params_total"] = mine[0]["params_total"] if mine else None
        entry["params_active"] = mine[0]["params_active"] if mine else None
        summary[variant] = entry
    return summary


def run_compare(config: CompareConfig, out_dir: Path, progress: bool = True,
                figures: Callable[[dict], dict] | None = None) -> dict:
    """Every (variant, seed) of `config` into `out_dir` (finished runs are reused); results.json."""
    out_dir = Path(out_dir)
    runs_dir = out_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    with torch_threads(config.threads):
        data = load_text_data(config.data)
        for seed in config.seeds:
            for variant in config.variants:
                stem = runs_dir / f"{variant}_seed{seed}"
                done = stem.with_suffix(".json")
                if done.exists():
                    saved = json.loads(done.read_text())
                    if saved.get("config") == _config_json(config):
                        runs.append(saved["run"])
                        continue
                    raise UserError(f"{done} belongs to a comparison with another config: use another --out")
                run = train_and_measure(variant, seed, config, data, stem.with_suffix(".safetensors"), progress)
                write_text_atomic(done, json.dumps({"config": _config_json(config), "run": run}) + "\n")
                _say(f"{variant} seed {seed}: val ppl {run['val_ppl']:.1f}, {run['tokens_per_second']:.0f} tokens/s")
                runs.append(run)
    result = {"schema": SCHEMA, "config": _config_json(config), "summary": summarise(runs, config.variants),
              "runs": runs, "provenance": collect_provenance()}
    if figures is not None:
        result["files"] = ["results.json", *figures(result)]
    write_text_atomic(out_dir / "results.json", json.dumps(result, indent=2) + "\n")
    return result


def _config_json(config: CompareConfig) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(config)))
