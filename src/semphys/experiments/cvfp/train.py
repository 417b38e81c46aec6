"""`semphys cvfp train`: Phase 1, Phase 2 and the baselines of one CVFP run (spec 004).

A run directory holds:

    config.json             the `RunConfig` and the provenance of the first call
    phase1.safetensors      Phase 1 checkpoint (model, optimiser, step or iteration log)
    phase2.safetensors      Phase 2 checkpoint
    model.safetensors       the final CVFP model (CVFPConfig inside)
    baselines/<name>.safetensors   GRU and transformer checkpoints
    train.json              phase logs and loss histories, baseline results, seconds, tokens
    eval.json, *.png        written by `semphys cvfp eval` (`semphys.experiments.cvfp.eval`)

Every training step is checkpointed in the work directory (the run directory, under `execute`) at the
configured interval, so a second `train` call on the same directory with the same options resumes
where an interrupted one stopped (another config is refused). Phase 1 of the spec's methods is short
(at most 10 passes) and is saved when it ends. Without a work directory nothing is checkpointed.
"""

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from semphys.core.checkpoint import load_checkpoint, save_checkpoint
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.threads import torch_threads
from semphys.cvfp.config import RunConfig
from semphys.cvfp.model import CVFPConfig, CVFPModel
from semphys.cvfp.predictive import predictive_loss
from semphys.cvfp.stage1 import run_stage1
from semphys.cvfp.stage2 import freeze_context, phase2_loss
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.textlm.baselines import BaselineResult, train_baselines
from semphys.textlm.batches import eval_windows, random_batch
from semphys.textlm.data import TextData, load_text_data
from semphys.textlm.train import build_seeded, fit
from semphys.textlm.transformer import count_parameters

COMMAND = Command("cvfp train", "semphys.cvfp/2", ("train.json", "eval.json", "*.png"))
"""A cvfp run directory's owner. The schema is the version of train.json, eval.json and config.json (2:
`token_dependency` split into `token_cos_distance` and `token_variance_share`). A resumed `train` replaces
the final documents; the checkpoints stay: they are the resumable state."""
SCHEMA_FILE = schema_path(__file__, "train")


@dataclass(frozen=True)
class TrainConfig:
    """One CVFP run: where it goes, the run's settings, and whether the baselines are trained beside it."""

    out: Path
    """The run directory (an existing run of the same settings there is resumed)."""
    run: RunConfig
    """Method, model, data, Phase 1 and 2, baselines (checked when made; `--quick`: `quick_config`)."""
    baselines: bool = True
    """Also train the GRU and transformer baselines."""
    progress: bool = True
    """Progress bars on stderr."""

    def fingerprint(self) -> dict:
        """What the run directory is claimed for: the `RunConfig`."""
        return self.run.to_json()

    def validate(self) -> None:
        """Nothing beyond `RunConfig`'s own checks, made when it was built."""


@dataclass
class TrainResult:
    """The trained CVFP model and train.json's summary."""

    config: TrainConfig
    model: CVFPModel
    model_config: CVFPConfig
    """`run.model` with the data's vocabulary size."""
    summary: dict
    """The content of train.json."""
    provenance: dict
    """Versions and machine, recorded in config.json."""

    def save(self, out: Path) -> Path:
        """config.json (unless a resumed run wrote it), model.safetensors and train.json in `out` (claimed here)."""
        out = COMMAND.claim(out, self.config.fingerprint())
        path = out / "config.json"
        if not path.exists():
            _write_json(
                path, {"schema": COMMAND.schema, "run": self.config.run.to_json(), "provenance": self.provenance}
            )
        save_checkpoint(
            out / "model.safetensors",
            self.model.state_dict(),
            self.model_config,
            {"method": self.config.run.method, "params": self.summary["cvfp_params"]},
        )
        check_document(self.summary, SCHEMA_FILE)
        _write_json(out / "train.json", self.summary)
        return out


def _write_json(path: Path, document: dict) -> Path:
    return write_text_atomic(path, to_json(document, indent=2))


def _phase1(
    config: RunConfig,
    model: CVFPModel,
    model_config: CVFPConfig,
    data: TextData,
    work: Path | None,
    progress: bool,
    log: Log,
) -> dict:
    path = None if work is None else work / "phase1.safetensors"
    if config.method == "predictive":
        result = fit(
            model,
            model_config,
            lambda m, b: predictive_loss(m, b, config.fixed_point_weight, config.fixed_point_span),
            lambda step: random_batch(
                data.train, config.phase1.batch_size, config.phase1.seq_len, config.phase1.seed, step
            ),
            config.phase1,
            path,
            description="cvfp phase 1",
            progress=progress,
        )
        return {
            "method": "predictive",
            "history": result.history,
            "seconds": result.seconds,
            "tokens": config.phase1.tokens,
            "resumed_from": result.resumed_from,
        }
    if path is not None and path.exists():
        ckpt = load_checkpoint(path, CVFPConfig, expected=model_config)
        model.load_state_dict(ckpt.tensors)
        return ckpt.extra
    stream = torch.from_numpy(data.train.ids[: config.spec_stream_tokens])
    model.check_length(stream.numel())
    began = time.perf_counter()
    result = run_stage1(
        model,
        stream,
        dataclasses.replace(config.spec_phase1, loss=config.method),
        progress=lambda i, r: log(
            f"cvfp phase 1 ({config.method}) iteration {i}: "
            + ", ".join(f"{k} {v:.6g}" for k, v in r.items() if k != "iteration")
        ),
    )
    extra = {
        "method": config.method,
        "iterations": result.iterations,
        "stopped_early": result.stopped_early,
        "seconds": time.perf_counter() - began,
        "tokens": int(stream.numel()),
    }
    if path is not None:
        save_checkpoint(path, model.state_dict(), model_config, extra)
    return extra


def run(config: TrainConfig, log: Log = quiet, work: Path | None = None) -> TrainResult:
    """Phase 1, Phase 2 and (`config.baselines`) the baselines; checkpoints in `work` resume a killed run."""
    run_config, progress = config.run, config.progress
    provenance = collect_provenance()
    began = time.perf_counter()
    with torch_threads(run_config.threads):
        data = load_text_data(run_config.data)
        model_config = dataclasses.replace(run_config.model, vocab_size=data.vocab_size)
        model = build_seeded(lambda: CVFPModel(model_config), run_config.phase1.seed)
        n_params = count_parameters(model)
        phase1 = _phase1(run_config, model, model_config, data, work, progress, log)
        freeze_context(model)
        phase2 = fit(
            model,
            model_config,
            phase2_loss,
            lambda step: random_batch(
                data.train, run_config.phase2.batch_size, run_config.phase2.seq_len, run_config.phase2.seed, step
            ),
            run_config.phase2,
            None if work is None else work / "phase2.safetensors",
            description="cvfp phase 2",
            progress=progress,
        )
        model.requires_grad_(True)
        baselines: list[BaselineResult] = []
        if config.baselines:
            windows = eval_windows(data.valid, run_config.phase1.seq_len)
            baselines = train_baselines(
                data,
                run_config.baselines,
                windows,
                n_params,
                None if work is None else work / "baselines",
                names=("gru", "transformer"),
                progress=progress,
                learning_rates=run_config.baseline_lr,
            )
    summary = {
        "schema": COMMAND.schema,
        "method": run_config.method,
        "cvfp_params": n_params,
        "vocab_size": data.vocab_size,
        "train_tokens_available": len(data.train),
        "phase1": phase1,
        "phase2": {"history": phase2.history, "seconds": phase2.seconds, "tokens": run_config.phase2.tokens},
        "baselines": [dataclasses.asdict(b) for b in baselines],
        "seconds": time.perf_counter() - began,
    }
    return TrainResult(config, model, model_config, summary, provenance)
