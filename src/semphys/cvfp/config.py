"""What one `semphys cvfp train` run does: method, model, data, both phases, baselines; and its presets.

The model defaults (`CVFPConfig`) are the spec's (context 16, embedding 16, hidden 32, [1, 1]); the
training presets use a wider model (context 128, embedding 64, hidden 192, same layers) because a
16-dimensional context cannot predict the next token of real text well enough to be worth
comparing (measured with `--quick`: validation perplexity 130 at 16/16 against 62 at 128/64 for the
same training tokens; the bigram has 78). `--context-dim`/`--embed-dim` restore the spec's sizes.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from semphys.core.checkpoint import config_from_dict
from semphys.core.errors import UserError
from semphys.core.validate import require_at_least, require_non_negative, require_positive
from semphys.cvfp.model import CVFPConfig
from semphys.cvfp.stage1 import Stage1Config
from semphys.textlm.baselines import BASELINE_LR
from semphys.textlm.data import DataConfig
from semphys.textlm.train import TrainConfig

METHODS: tuple[str, ...] = ("predictive", "spec", "corrected")
"""Phase 1 methods: ours (`semphys.cvfp.predictive`), the spec's loss, the spec's corrected loss."""

_QUICK_STEPS = 1200


@dataclass(frozen=True)
class RunConfig:
    """Everything `semphys cvfp train` needs; written to `config.json` and checked when a run resumes."""

    method: str = "predictive"
    """Phase 1 method, one of `METHODS`."""
    model: CVFPConfig = field(default_factory=lambda: CVFPConfig(context_dim=128, embed_dim=64, hidden_dim=192))
    """The CVFP model (vocab_size is set from the tokenizer)."""
    data: DataConfig = field(default_factory=DataConfig)
    """Corpus, tokenizer and budgets."""
    phase1: TrainConfig = field(
        default_factory=lambda: TrainConfig(
            steps=4 * _QUICK_STEPS, batch_size=32, seq_len=32, lr=1e-2, checkpoint_every=200
        )
    )
    """Phase 1 of `predictive`: windows, steps, learning rate."""
    fixed_point_weight: float = 0.1
    """`predictive`: weight of the two-pass fixed-point MSE next to the cross-entropy."""
    fixed_point_span: int = 8
    """`predictive`: tokens of the second pass the fixed-point MSE compares."""
    spec_phase1: Stage1Config = field(default_factory=Stage1Config)
    """Phase 1 of `spec` / `corrected` (the spec's loop; loss set from `method`)."""
    spec_stream_tokens: int = 92047
    """`spec` / `corrected`: length of the training stream Phase 1 passes over (the spec's 92,047)."""
    phase2: TrainConfig = field(
        default_factory=lambda: TrainConfig(steps=800, batch_size=32, seq_len=32, lr=1e-2, checkpoint_every=200, seed=1)
    )
    """Phase 2: the next-token head on frozen contexts."""
    baselines: TrainConfig = field(
        default_factory=lambda: TrainConfig(
            steps=4 * _QUICK_STEPS + 800, batch_size=32, seq_len=32, lr=5e-3, checkpoint_every=200
        )
    )
    """GRU and transformer: as many training tokens as Phase 1 + Phase 2 of `predictive` (their
    learning rates are `baseline_lr`, not this `lr`)."""
    baseline_lr: dict[str, float] = field(default_factory=lambda: dict(BASELINE_LR))
    """Peak learning rate per network baseline (`semphys.textlm.baselines.BASELINE_LR`)."""
    threads: int = 1
    """torch threads (small models on a shared machine: 1 is fastest, see `semphys.core.threads`)."""

    def __post_init__(self) -> None:
        """Every field checked (`semphys.core.validate`), named as `semphys cvfp train` spells its option: a NaN
        `--fixed-point-weight` otherwise trained and exited 0, and `--steps 0` meant the preset."""
        if self.method not in METHODS:
            raise UserError(f"unknown method {self.method!r}: choose from {', '.join(METHODS)}")
        require_at_least("--spec-tokens", self.spec_stream_tokens, 2)
        require_non_negative("--fixed-point-weight", self.fixed_point_weight)
        require_at_least("fixed_point_span", self.fixed_point_span, 1)
        require_at_least("--threads", self.threads, 1)
        longest = max(
            self.phase1.seq_len, self.phase2.seq_len, self.spec_stream_tokens if self.method != "predictive" else 0
        )
        if longest > self.model.max_seq_len:  # the model's context, checked before --out is claimed
            raise UserError(
                f"the CVFP model reads at most {self.model.max_seq_len} tokens (max_seq_len), but this "
                f"run would feed it {longest}; lower --spec-tokens or the window length"
            )
        for name, rate in self.baseline_lr.items():
            require_positive(f"baseline_lr[{name}]", rate)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def quick_config(**changes: Any) -> RunConfig:
    """The `--quick` preset: a quarter of the steps, 30k validation tokens, 5k-token spec stream."""
    base = RunConfig()
    quick = dataclasses.replace(
        base,
        data=dataclasses.replace(base.data, max_valid_tokens=30000),
        phase1=dataclasses.replace(base.phase1, steps=_QUICK_STEPS),
        phase2=dataclasses.replace(base.phase2, steps=200),
        baselines=dataclasses.replace(base.baselines, steps=_QUICK_STEPS + 200),
        spec_stream_tokens=5000,
    )
    return dataclasses.replace(quick, **changes)


def config_from_json(document: dict[str, Any]) -> RunConfig:
    """Inverse of `RunConfig.to_json` (nested configs and tuples restored)."""
    return config_from_dict(RunConfig, document)
