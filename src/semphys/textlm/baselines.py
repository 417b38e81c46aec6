"""The baselines every small LM here is compared with: unigram, bigram, a GRU and a small transformer.

All are scored on the same validation windows (`eval_windows`). The n-grams count the whole
training stream (add-k, k chosen on held-out training text, see `semphys.textlm.ngram`); the neural
baselines train with `fit` on the same number of tokens as the model they are compared with and are
sized by `matched_width` to about its parameter count.
"""

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from semphys.textlm.batches import Batch, random_batch
from semphys.textlm.data import TextData
from semphys.textlm.evaluate import perplexity
from semphys.textlm.gru import GRULM, GRUConfig
from semphys.textlm.ngram import HOLDOUT_FRACTION, fit_ngram
from semphys.textlm.objective import lm_loss
from semphys.textlm.train import TrainConfig, build_seeded, fit
from semphys.textlm.transformer import TransformerConfig, TransformerLM, count_parameters

BASELINES: tuple[str, ...] = ("unigram", "bigram", "gru", "transformer")

BASELINE_LR: dict[str, float] = {"gru": 1e-2, "transformer": 2e-3}
"""Peak learning rate of each network baseline: the best of 2e-3, 5e-3, 1e-2 measured on the
`semphys cvfp train --quick` budget (1,400 steps of 32 x 32 tokens, ~470k parameters), validation
perplexity GRU 76.5 / 67.4 at 5e-3 / 1e-2; transformer 104.9 / 127.4 / 206.7 at 2e-3 / 5e-3 / 1e-2.
Chosen on validation text, which can only flatter the baselines."""


@dataclass(frozen=True)
class BaselineResult:
    """One baseline's validation perplexity and what it cost."""

    name: str
    ppl: float
    params: int
    """Trainable parameters (n-grams: distinct counted entries)."""
    train_tokens: int
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)
    """Its configuration (n-gram order and k; network shape) and, for networks, the loss history."""


def matched_width(build: Callable[[int], torch.nn.Module], target_params: int, widths: range) -> int:
    """The width in `widths` whose model `build(width)` has the parameter count closest to `target_params`.

    Parameter counts grow with the width, so a bisection builds only about log2(len(widths)) models.
    """
    lo, hi = 0, len(widths) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if count_parameters(build(widths[mid])) < target_params:
            lo = mid + 1
        else:
            hi = mid
    candidates = [widths[i] for i in (lo - 1, lo) if 0 <= i < len(widths)]
    return min(candidates, key=lambda w: abs(count_parameters(build(w)) - target_params))


def ngram_baseline(name: str, data: TextData, windows: Batch) -> BaselineResult:
    """`unigram` or `bigram` counted on the training stream, scored on `windows`."""
    began = time.perf_counter()
    model = fit_ngram(data.train.ids, data.vocab_size, 1 if name == "unigram" else 2)
    entries = model.vocab_size if model.order == 1 else int(model.pair_codes.size)
    return BaselineResult(
        name,
        model.perplexity(windows),
        entries,
        len(data.train),
        time.perf_counter() - began,
        {"order": model.order, "k": model.k, "k_chosen_on": f"last {HOLDOUT_FRACTION:.0%} of the training stream"},
    )


def gru_config(vocab_size: int, target_params: int) -> GRUConfig:
    """A one-layer GRU LM, embedding half the state width, of about `target_params` parameters."""

    def build(hidden: int) -> GRULM:
        return GRULM(GRUConfig(vocab_size, max(8, hidden // 2), hidden))

    hidden = matched_width(build, target_params, range(16, 1025, 8))
    return GRUConfig(vocab_size, max(8, hidden // 2), hidden)


def transformer_config(
    vocab_size: int, target_params: int, max_seq_len: int, n_layers: int = 2, n_heads: int = 4
) -> TransformerConfig:
    """A pre-norm transformer (d_ff = 4 d_model) of about `target_params` parameters."""

    def config(width: int) -> TransformerConfig:
        return TransformerConfig(vocab_size, width, n_heads, n_layers, 4 * width, max_seq_len)

    width = matched_width(lambda w: TransformerLM(config(w)), target_params, range(4 * n_heads, 513, 2 * n_heads))
    return config(width)


def neural_baseline(
    name: str,
    model: torch.nn.Module,
    model_config: Any,
    data: TextData,
    train: TrainConfig,
    windows: Batch,
    checkpoint: Path | None,
    progress: bool = True,
) -> BaselineResult:
    """Train `model` with `fit` on random training windows (resuming from `checkpoint`), score it."""
    result = fit(
        model,
        model_config,
        lm_loss,
        lambda step: random_batch(data.train, train.batch_size, train.seq_len, train.seed, step),
        train,
        checkpoint,
        description=name,
        progress=progress,
    )
    return BaselineResult(
        name,
        perplexity(model, windows).ppl,
        count_parameters(model),
        train.tokens,
        result.seconds,
        {"config": vars(model_config).copy(), "history": result.history},
    )


def train_baselines(
    data: TextData,
    train: TrainConfig,
    windows: Batch,
    target_params: int,
    out_dir: Path | None,
    names: tuple[str, ...] = BASELINES,
    progress: bool = True,
    learning_rates: dict[str, float] = BASELINE_LR,
) -> list[BaselineResult]:
    """Every baseline in `names`; networks of about `target_params` parameters, trained on `train`
    with the learning rate `learning_rates[name]` (`train.lr` for a network not in it).

    Checkpoints go to `out_dir/<name>.safetensors` (None: no checkpoints), so an interrupted run
    resumes each network where it stopped.
    """
    results = []
    for name in names:
        if name in ("unigram", "bigram"):
            results.append(ngram_baseline(name, data, windows))
            continue
        if name == "gru":
            config = gru_config(data.vocab_size, target_params)
            model = build_seeded(lambda: GRULM(config), train.seed)
        else:
            config = transformer_config(data.vocab_size, target_params, train.seq_len)
            model = build_seeded(lambda: TransformerLM(config), train.seed)
        checkpoint = None if out_dir is None else Path(out_dir) / f"{name}.safetensors"
        network_train = dataclasses.replace(train, lr=learning_rates.get(name, train.lr))
        results.append(neural_baseline(name, model, config, data, network_train, windows, checkpoint, progress))
    return results
