"""`train_run` and `evaluate_run`: what `semphys cvfp train` and `semphys cvfp eval` do.

A run directory holds:

    config.json             the `RunConfig` and the provenance of the first call
    phase1.safetensors      Phase 1 checkpoint (model, optimiser, step or iteration log)
    phase2.safetensors      Phase 2 checkpoint
    model.safetensors       the final CVFP model (CVFPConfig inside)
    baselines/<name>.safetensors   GRU and transformer checkpoints
    train.json              phase logs and loss histories, baseline results, seconds, tokens
    eval.json, *.png        written by `evaluate_run`

Every training step is checkpointed at the configured interval, so a second `train` call on the
same directory with the same options resumes where an interrupted one stopped (another config is
refused). Phase 1 of the spec's methods is short (at most 10 passes) and is saved when it ends.
"""

import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from semphys.core.checkpoint import load_checkpoint, save_checkpoint
from semphys.core.errors import UserError
from semphys.core.io import atomic_path, write_text_atomic
from semphys.core.jsondoc import to_json
from semphys.core.provenance import collect_provenance
from semphys.core.rundir import claim_run_dir, read_manifest
from semphys.core.threads import torch_threads
from semphys.core.validate import require_at_least
from semphys.cvfp import plots
from semphys.cvfp.config import RunConfig, config_from_json
from semphys.cvfp.diagnostics import diagnose
from semphys.cvfp.model import CVFPConfig, CVFPModel
from semphys.cvfp.parallel import compare_solvers
from semphys.cvfp.predictive import predictive_loss
from semphys.cvfp.stage1 import run_stage1
from semphys.cvfp.stage2 import freeze_context, phase2_loss
from semphys.textlm.baselines import BaselineResult, ngram_baseline, train_baselines
from semphys.textlm.batches import eval_windows, random_batch
from semphys.textlm.data import TextData, load_text_data
from semphys.textlm.evaluate import perplexity
from semphys.textlm.gru import GRULM, GRUConfig
from semphys.textlm.train import build_seeded, fit
from semphys.textlm.transformer import TransformerConfig, TransformerLM, count_parameters

SCHEMA = "semphys.cvfp/2"
"""Version of train.json, eval.json and config.json (2: `token_dependency` split into
`token_cos_distance` and `token_variance_share`)."""
TRAIN_COMMAND = "cvfp train"
"""The command that owns a cvfp run directory (`semphys.core.rundir`)."""
RUN_OUTPUTS = ("train.json", "eval.json", "*.png")
"""The final documents a resumed `train` replaces (checkpoints stay: they are the resumable state)."""
HEADLINE = ("method", "identity_cos", "token_cos_distance", "token_variance_share", "converged_ratio", "val_ppl",
            "baselines", "parallel_speedup", "collapsed")
"""The figures `semphys cvfp eval` prints."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_json(path: Path, document: dict) -> Path:
    return write_text_atomic(path, to_json(document, indent=2))


def _claim_directory(out_dir: Path, config: RunConfig) -> None:
    """Claim `out_dir` for this config (`semphys.core.rundir`: another command's run or another config is refused,
    the same config resumes), then write config.json unless it is there."""
    claim_run_dir(out_dir, TRAIN_COMMAND, config.to_json(), outputs=RUN_OUTPUTS, document_schema=SCHEMA)
    path = out_dir / "config.json"
    if not path.exists():
        _write_json(path, {"schema": SCHEMA, "run": config.to_json(), "provenance": collect_provenance()})


@dataclass(frozen=True)
class EvalConfig:
    """What `semphys cvfp eval` measures; checked when made, before anything is read."""

    passes: int = 10
    """Phase 1 passes at fixed weights for the converged ratio (at least 2: the first only records)."""
    diagnostic_tokens: int = 20000
    """Validation tokens the diagnostics use (at least 2)."""
    speed_tokens: int = 20000
    """Validation tokens of the sequential-vs-parallel timing (at least 2)."""
    threads: int | None = None
    """torch threads; None: the run's own setting."""

    def __post_init__(self) -> None:
        require_at_least("--passes", self.passes, 2)
        require_at_least("--diagnostic-tokens", self.diagnostic_tokens, 2)
        require_at_least("--speed-tokens", self.speed_tokens, 2)
        if self.threads is not None:
            require_at_least("--threads", self.threads, 1)


def _phase1(config: RunConfig, model: CVFPModel, model_config: CVFPConfig, data: TextData, out_dir: Path,
            progress: bool) -> dict:
    path = out_dir / "phase1.safetensors"
    if config.method == "predictive":
        result = fit(model, model_config,
                     lambda m, b: predictive_loss(m, b, config.fixed_point_weight, config.fixed_point_span),
                     lambda step: random_batch(data.train, config.phase1.batch_size, config.phase1.seq_len,
                                               config.phase1.seed, step),
                     config.phase1, path, description="cvfp phase 1", progress=progress)
        return {"method": "predictive", "history": result.history, "seconds": result.seconds,
                "tokens": config.phase1.tokens, "resumed_from": result.resumed_from}
    if path.exists():
        ckpt = load_checkpoint(path, CVFPConfig, expected=model_config)
        model.load_state_dict(ckpt.tensors)
        return ckpt.extra
    stream = torch.from_numpy(data.train.ids[: config.spec_stream_tokens])
    model.check_length(stream.numel())
    began = time.perf_counter()
    result = run_stage1(model, stream, dataclasses.replace(config.spec_phase1, loss=config.method),
                        progress=lambda i, r: _say(f"cvfp phase 1 ({config.method}) iteration {i}: "
                                                   + ", ".join(f"{k} {v:.6g}" for k, v in r.items() if k != "iteration")))
    extra = {"method": config.method, "iterations": result.iterations, "stopped_early": result.stopped_early,
             "seconds": time.perf_counter() - began, "tokens": int(stream.numel())}
    save_checkpoint(path, model.state_dict(), model_config, extra)
    return extra


def train_run(config: RunConfig, out_dir: Path, progress: bool = True, with_baselines: bool = True) -> dict:
    """Phase 1, Phase 2 and the baselines of one run in `out_dir` (resumed when it holds one); train.json."""
    out_dir = Path(out_dir)
    _claim_directory(out_dir, config)
    began = time.perf_counter()
    with torch_threads(config.threads):
        data = load_text_data(config.data)
        model_config = dataclasses.replace(config.model, vocab_size=data.vocab_size)
        model = build_seeded(lambda: CVFPModel(model_config), config.phase1.seed)
        n_params = count_parameters(model)
        phase1 = _phase1(config, model, model_config, data, out_dir, progress)
        freeze_context(model)
        phase2 = fit(model, model_config, phase2_loss,
                     lambda step: random_batch(data.train, config.phase2.batch_size, config.phase2.seq_len,
                                               config.phase2.seed, step),
                     config.phase2, out_dir / "phase2.safetensors", description="cvfp phase 2", progress=progress)
        model.requires_grad_(True)
        save_checkpoint(out_dir / "model.safetensors", model.state_dict(), model_config,
                        {"method": config.method, "params": n_params})
        baselines: list[BaselineResult] = []
        if with_baselines:
            windows = eval_windows(data.valid, config.phase1.seq_len)
            baselines = train_baselines(data, config.baselines, windows, n_params, out_dir / "baselines",
                                        names=("gru", "transformer"), progress=progress,
                                        learning_rates=config.baseline_lr)
    summary = {
        "schema": SCHEMA, "method": config.method, "cvfp_params": n_params, "vocab_size": data.vocab_size,
        "train_tokens_available": len(data.train), "phase1": phase1,
        "phase2": {"history": phase2.history, "seconds": phase2.seconds, "tokens": config.phase2.tokens},
        "baselines": [dataclasses.asdict(b) for b in baselines],
        "seconds": time.perf_counter() - began,
    }
    _write_json(out_dir / "train.json", summary)
    return summary


def _load_run(out_dir: Path) -> tuple[RunConfig, CVFPModel]:
    """The run's config and final model; `UserError` for another command's run, no run, or a damaged checkpoint."""
    manifest = read_manifest(out_dir) if Path(out_dir).is_dir() else None
    if manifest is not None and manifest["command"] != TRAIN_COMMAND:
        raise UserError(f"{out_dir} holds a `semphys {manifest['command']}` run, not a cvfp run; give a directory "
                        f"written by `semphys {TRAIN_COMMAND}`")
    path = Path(out_dir) / "config.json"
    if not path.exists():
        raise UserError(f"{out_dir} is not a cvfp run directory (no config.json): run `semphys cvfp train --out` first")
    try:
        config = config_from_json(json.loads(path.read_text(encoding="utf-8"))["run"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise UserError(f"{path} is damaged or not a cvfp run config; train the run again") from None
    ckpt = load_checkpoint(Path(out_dir) / "model.safetensors", CVFPConfig)
    model = CVFPModel(ckpt.config)
    model.load_state_dict(ckpt.tensors)
    model.eval()
    return config, model


def _neural_baselines(out_dir: Path, windows) -> dict[str, dict]:
    found = {}
    for name, config_type, model_type in (("gru", GRUConfig, GRULM), ("transformer", TransformerConfig, TransformerLM)):
        path = Path(out_dir) / "baselines" / f"{name}.safetensors"
        if not path.exists():
            continue
        ckpt = load_checkpoint(path, config_type)
        model = model_type(ckpt.config)
        model.load_state_dict(ckpt.tensors)
        found[name] = {"ppl": perplexity(model, windows).ppl, "params": count_parameters(model),
                       "train_tokens": ckpt.extra["step"] * ckpt.extra["train_config"]["batch_size"]
                       * ckpt.extra["train_config"]["seq_len"]}
    return found


def headline(result: dict) -> dict:
    """The figures of an eval.json document that `semphys cvfp eval` prints (`HEADLINE`)."""
    return {key: result[key] for key in HEADLINE}


def evaluate_run(out_dir: Path, settings: EvalConfig = EvalConfig()) -> dict:
    """Validation perplexity beside every baseline, the spec's diagnostics, the parallel speed-up; eval.json."""
    out_dir = Path(out_dir)
    passes, diagnostic_tokens, speed_tokens = settings.passes, settings.diagnostic_tokens, settings.speed_tokens
    config, model = _load_run(out_dir)
    with torch_threads(settings.threads or config.threads):
        data = load_text_data(config.data)
        windows = eval_windows(data.valid, config.phase1.seq_len)
        val = perplexity(model, windows)
        baselines = {b.name: {"ppl": b.ppl, "params": b.params, "train_tokens": b.train_tokens, **b.detail}
                     for b in (ngram_baseline(n, data, windows) for n in ("unigram", "bigram"))}
        baselines.update(_neural_baselines(out_dir, windows))
        valid_ids = torch.from_numpy(data.valid.ids)
        diagnostics = diagnose(model, valid_ids[:diagnostic_tokens], passes)
        with torch.no_grad():
            speed = compare_solvers(model, model.embed(valid_ids[:speed_tokens])[None])
    result = {
        "schema": SCHEMA, "method": config.method,
        "identity_cos": diagnostics.identity_cos,
        "token_cos_distance": diagnostics.token.cos_distance,
        "token_variance_share": diagnostics.token.variance_share,
        "converged_ratio": diagnostics.converged_ratios[-1],
        "val_ppl": val.ppl,
        "baselines": {name: b["ppl"] for name, b in baselines.items()},
        "parallel_speedup": speed["blocks_speedup"],
        "collapsed": diagnostics.collapsed,
        "val_tokens": val.n_tokens,
        "diagnostics": diagnostics.to_dict(),
        "parallel": speed,
        "baseline_details": baselines,
        "provenance": collect_provenance(),
    }
    train_log = out_dir / "train.json"
    figures = plots.run_figures(json.loads(train_log.read_text()) if train_log.exists() else {}, result)
    for name, fig in figures.items():
        with atomic_path(out_dir / name) as tmp:
            fig.savefig(tmp, dpi=120, format="png")
        plots.plt.close(fig)
    result["files"] = ["eval.json", *figures]
    _write_json(out_dir / "eval.json", result)
    return result
