"""The comparison of the spec 003 §3 router with top-k routing (semphys's design; the spec states no test): its config, and every (variant, seed) trained and measured on the same tokens.

For each (variant, seed), `train_and_measure`: a `RoutingLM` built from the seed, trained with `fit`
on the same random windows of the WordNet training stream (the batches depend on the seed and the
step only, so every variant of a seed sees the same tokens), then measured on the validation
windows: perplexity, routing per layer (`semphys.routing.metrics`), weak-stimulus sensitivity,
parameters (total and active), training tokens per second. `omega_shuffled` trains and evaluates on
origin labels permuted between documents. `summarise` gives, per variant, the mean, the standard
deviation (ddof 1; null for one seed) and the values over seeds; `semphys.routing.claims` turns the
runs into the comparison's claims, each paired by seed.

The loop over runs, its per-run records that let a killed comparison resume, and results.json are
the experiment's (`semphys.experiments.routing.compare`).
"""

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_choice
from semphys.routing.metrics import LayerRouting, document_ids, layer_routing, routing_decisions, sensitivity
from semphys.routing.moe_lm import RoutingLM, RoutingLMConfig
from semphys.routing.variants import SHUFFLED, VARIANTS
from semphys.textlm.batches import Batch, eval_windows, random_batch
from semphys.textlm.data import DataConfig, TextData, shuffle_origins
from semphys.textlm.evaluate import perplexity
from semphys.textlm.objective import lm_loss
from semphys.textlm.train import TrainConfig, build_seeded, fit

LAYER_FIGURES: tuple[str, ...] = ("load_cv", "load_entropy", "dropped", "mi_bits", "mi_excess")
"""`LayerRouting` fields a run reports as their mean over the MoE layers."""
SENSITIVITIES: tuple[str, ...] = ("token_at", "token_after", "origin")
"""Keys of `sensitivity`, reported as `sensitivity_<key>`."""
HEADLINE: tuple[str, ...] = (
    "val_ppl",
    *LAYER_FIGURES,
    *(f"sensitivity_{key}" for key in SENSITIVITIES),
    "tokens_per_second",
)
"""Per-run figures summarised over seeds (routing figures are means over the MoE layers)."""


@dataclass(frozen=True)
class CompareConfig:
    """The whole comparison (Omega vs standard routing at equal tokens, semphys's design); written to results.json."""

    variants: tuple[str, ...] = VARIANTS
    """Models to train, each once per seed (`semphys.routing.variants`)."""
    seeds: tuple[int, ...] = tuple(range(8))
    """Seeds of initialisation and batches; every variant of a seed sees the same tokens. The claims pair
    variants by seed with an exact sign-flip test, whose p cannot go below 1/2^n for n seeds: 8 seeds
    (floor 1/256) let a row survive Holm over the comparison's findings; 3 or 5 could not."""
    data: DataConfig = field(default_factory=lambda: DataConfig(max_valid_tokens=60000))
    """The WordNet token streams (validation perplexity on the first 60,000 validation tokens)."""
    model: RoutingLMConfig = field(default_factory=RoutingLMConfig)
    """The shared body and experts; `variant` is set per run."""
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(steps=1200, batch_size=32, seq_len=32, lr=1e-2, checkpoint_every=200)
    )
    """Training of every run (1,200 steps of 32 x 32 tokens)."""
    metric_windows: int = 512
    """Validation windows the routing metrics and sensitivities use."""
    mi_null_draws: int = 499
    """Draws of the MI null (origins permuted between documents) per run; p floor 1/500."""
    shuffle_seed: int = 12345
    """Seed of the origin permutation of `omega_shuffled`."""
    threads: int = 1
    """torch threads (1 is fastest for these small models on the shared 2-core machines)."""

    def __post_init__(self) -> None:
        if not self.variants:
            raise UserError(f"give at least one variant from: {', '.join(VARIANTS)}")
        for variant in self.variants:
            require_choice("variant", variant, VARIANTS)
        if not self.seeds:
            raise UserError("give at least one seed")
        for name, values in (("variants", self.variants), ("seeds", self.seeds)):
            if len(set(values)) != len(values):
                raise UserError(f"{name} {', '.join(map(str, values))} repeats a value; give each once")
        for seed in self.seeds:
            require_at_least("seed", seed, 0)
        require_at_least("metric_windows", self.metric_windows, 1)
        require_at_least("mi_null_draws", self.mi_null_draws, 1)
        require_at_least("threads", self.threads, 1)
        if self.model.body.max_seq_len < self.train.seq_len:
            raise UserError(
                f"seq_len {self.train.seq_len} exceeds the model's max_seq_len {self.model.body.max_seq_len}"
            )


def quick_compare(seeds: int = 2) -> CompareConfig:
    """The `--quick` preset: 300 steps per run, `seeds` seeds, 20k validation tokens (with 2 seeds no claim can
    hold: `seed_floor` says so)."""
    base = CompareConfig()
    return dataclasses.replace(
        base,
        seeds=tuple(range(seeds)),
        data=dataclasses.replace(base.data, max_valid_tokens=20000),
        train=dataclasses.replace(base.train, steps=300, checkpoint_every=100),
        metric_windows=256,
    )


def _data_for(variant: str, data: TextData, seed: int) -> TextData:
    if variant not in SHUFFLED:
        return data
    return dataclasses.replace(
        data,
        train=shuffle_origins(data.train, data.eos_id, seed),
        valid=shuffle_origins(data.valid, data.eos_id, seed + 1),
    )


def _layer_means(layers: list[LayerRouting]) -> dict[str, float | None]:
    """Each of `LAYER_FIGURES` averaged over the MoE layers; None without layers (the dense model)."""
    return {key: float(np.mean([getattr(layer, key) for layer in layers])) if layers else None for key in LAYER_FIGURES}


def train_and_measure(
    variant: str, seed: int, config: CompareConfig, data: TextData, checkpoint: Path | None, progress: bool = True
) -> dict:
    """One run: build, train, measure (see the module docstring); a JSON-ready dict."""
    model_config = dataclasses.replace(
        config.model,
        variant=variant,
        n_origins=data.n_origins,
        body=dataclasses.replace(config.model.body, vocab_size=data.vocab_size),
    )
    model = build_seeded(lambda: RoutingLM(model_config), seed)
    train = dataclasses.replace(config.train, seed=seed)
    run_data = _data_for(variant, data, config.shuffle_seed)
    result = fit(
        model,
        model_config,
        lm_loss,
        lambda step: random_batch(run_data.train, train.batch_size, train.seq_len, seed, step),
        train,
        checkpoint,
        description=f"{variant} seed {seed}",
        progress=progress,
    )
    windows = eval_windows(run_data.valid, train.seq_len)
    metric: Batch = windows.rows(0, config.metric_windows)
    documents = document_ids(metric.inputs, data.eos_id)  # the metric windows are consecutive: one stream
    layers = [
        layer_routing(
            stats,
            metric.origins.reshape(-1),
            data.n_origins,
            config.model.moe.n_experts,
            null_shuffles=config.mi_null_draws,
            seed=seed,
            documents=documents,
        )
        for stats in routing_decisions(model, metric)
    ]
    sens = sensitivity(model, metric, data.vocab_size, data.n_origins, seed=seed) if layers else None
    return {
        "variant": variant,
        "seed": seed,
        "val_ppl": perplexity(model, windows).ppl,
        "val_tokens": windows.n_tokens,
        "params_total": sum(p.numel() for p in model.parameters()),
        "params_active": model.active_parameters(),
        "train_tokens": train.tokens,
        "train_seconds": result.seconds,
        "tokens_per_second": train.tokens / result.seconds if result.seconds > 0 else None,
        "history": result.history,
        "layers": [{k: v for k, v in dataclasses.asdict(layer).items() if k != "mi_null_draws"} for layer in layers],
        **_layer_means(layers),
        "mi_null_draws": [round(float(v), 7) for v in np.mean([layer.mi_null_draws for layer in layers], axis=0)]
        if layers
        else None,
        "metric_documents": int(documents.max() + 1),
        **{f"sensitivity_{key}": (sens[key] if sens else None) for key in SENSITIVITIES},
    }


def summarise(runs: list[dict], variants: tuple[str, ...]) -> dict[str, dict[str, dict]]:
    """Per variant and headline figure: mean, std (ddof 1; None for one seed), n and the values; None where n/a."""
    summary = {}
    for variant in variants:
        mine = [r for r in runs if r["variant"] == variant]
        entry = {}
        for key in HEADLINE:
            values = [r[key] for r in mine if r.get(key) is not None]
            if not values:
                entry[key] = None
                continue
            std = float(np.std(values, ddof=1)) if len(values) > 1 else None
            entry[key] = {"mean": float(np.mean(values)), "std": std, "n": len(values), "values": values}
        entry["params_total"] = mine[0]["params_total"] if mine else None
        entry["params_active"] = mine[0]["params_active"] if mine else None
        summary[variant] = entry
    return summary
