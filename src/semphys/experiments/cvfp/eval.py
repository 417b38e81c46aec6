"""`semphys cvfp eval`: validation perplexity beside every baseline, the spec's diagnostics, the parallel speed-up.

Reads a run directory of `semphys cvfp train` (config.json, model.safetensors, baselines/) and writes
eval.json (`eval.schema.json` beside this module) and the figures of `plots` into it. The directory stays
owned by `cvfp train`: eval reads it, never claims it.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from semphys.core.checkpoint import load_checkpoint
from semphys.core.errors import UserError
from semphys.core.io import atomic_path, write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.rundir import read_manifest
from semphys.core.threads import torch_threads
from semphys.core.validate import require_at_least
from semphys.cvfp.config import RunConfig, config_from_json
from semphys.cvfp.diagnostics import diagnose
from semphys.cvfp.model import CVFPConfig, CVFPModel
from semphys.cvfp.parallel import compare_solvers
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.experiments.cvfp import plots
from semphys.experiments.cvfp.train import COMMAND as TRAIN
from semphys.textlm.baselines import ngram_baseline
from semphys.textlm.batches import eval_windows
from semphys.textlm.data import load_text_data
from semphys.textlm.evaluate import perplexity
from semphys.textlm.gru import GRULM, GRUConfig
from semphys.textlm.transformer import TransformerConfig, TransformerLM, count_parameters

COMMAND = Command("cvfp eval", TRAIN.schema, ("eval.json", "*.png"))
"""eval.json shares the run's schema version (`TRAIN.schema`)."""
SCHEMA_FILE = schema_path(__file__, "eval")
HEADLINE = (
    "method",
    "identity_cos",
    "token_cos_distance",
    "token_variance_share",
    "converged_ratio",
    "val_ppl",
    "baselines",
    "parallel_speedup",
    "collapsed",
)
"""The figures `semphys cvfp eval` prints."""


@dataclass(frozen=True)
class Measurement:
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


def read_config(out_dir: Path) -> RunConfig:
    """The run's config; `UserError` for another command's run, no run, or a damaged config.json."""
    manifest = read_manifest(out_dir) if Path(out_dir).is_dir() else None
    if manifest is not None and manifest["command"] != TRAIN.name:
        raise UserError(
            f"{out_dir} holds a `semphys {manifest['command']}` run, not a cvfp run; give a directory "
            f"written by `semphys {TRAIN.name}`"
        )
    path = Path(out_dir) / "config.json"
    if not path.exists():
        raise UserError(f"{out_dir} is not a cvfp run directory (no config.json): run `semphys cvfp train --out` first")
    try:
        return config_from_json(json.loads(path.read_text(encoding="utf-8"))["run"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise UserError(f"{path} is damaged or not a cvfp run config; train the run again") from None


def load_model(out_dir: Path) -> CVFPModel:
    """The run's final model (model.safetensors), in eval mode; `UserError` for a damaged checkpoint."""
    ckpt = load_checkpoint(Path(out_dir) / "model.safetensors", CVFPConfig)
    model = CVFPModel(ckpt.config)
    model.load_state_dict(ckpt.tensors)
    model.eval()
    return model


def _neural_baselines(out_dir: Path, windows) -> dict[str, dict]:
    found = {}
    for name, config_type, model_type in (("gru", GRUConfig, GRULM), ("transformer", TransformerConfig, TransformerLM)):
        path = Path(out_dir) / "baselines" / f"{name}.safetensors"
        if not path.exists():
            continue
        ckpt = load_checkpoint(path, config_type)
        model = model_type(ckpt.config)
        model.load_state_dict(ckpt.tensors)
        found[name] = {
            "ppl": perplexity(model, windows).ppl,
            "params": count_parameters(model),
            "train_tokens": ckpt.extra["step"]
            * ckpt.extra["train_config"]["batch_size"]
            * ckpt.extra["train_config"]["seq_len"],
        }
    return found


def headline(result: dict) -> dict:
    """The figures of an eval.json document that `semphys cvfp eval` prints (`HEADLINE`)."""
    return {key: result[key] for key in HEADLINE}


@dataclass(frozen=True)
class EvalConfig:
    """Which run to evaluate, and what to measure."""

    out: Path
    """A run directory written by `semphys cvfp train`; eval.json and the figures go there too."""
    measurement: Measurement = field(default_factory=Measurement)

    def fingerprint(self) -> dict:
        """The evaluated run (eval claims nothing: the directory is the training's)."""
        return {"run": str(self.out)}

    def validate(self) -> None:
        """`out` holds a cvfp run (`read_config`'s refusals)."""
        read_config(self.out)


@dataclass
class EvalResult:
    """The eval.json document of a run, and the run's train.json the figures also draw."""

    config: EvalConfig
    document: dict
    train_log: dict
    """The run's train.json ({} when it has none)."""

    def save(self, out: Path) -> Path:
        """The figures (`plots.run_figures`), then eval.json, in `out`."""
        out = Path(out)
        figures = plots.run_figures(self.train_log, {k: v for k, v in self.document.items() if k != "files"})
        for name, fig in figures.items():
            with atomic_path(out / name) as tmp:
                fig.savefig(tmp, dpi=120, format="png")
            plots.plt.close(fig)
        check_document(self.document, SCHEMA_FILE)
        write_text_atomic(out / "eval.json", to_json(self.document, indent=2))
        return out


def run(config: EvalConfig, log: Log = quiet, work: Path | None = None) -> EvalResult:
    """Validation perplexity beside every baseline, the spec's diagnostics, the parallel speed-up."""
    out_dir, settings = Path(config.out), config.measurement
    run_config = read_config(out_dir)
    model = load_model(out_dir)
    with torch_threads(settings.threads or run_config.threads):
        data = load_text_data(run_config.data)
        windows = eval_windows(data.valid, run_config.phase1.seq_len)
        val = perplexity(model, windows)
        baselines = {
            b.name: {"ppl": b.ppl, "params": b.params, "train_tokens": b.train_tokens, **b.detail}
            for b in (ngram_baseline(n, data, windows) for n in ("unigram", "bigram"))
        }
        baselines.update(_neural_baselines(out_dir, windows))
        valid_ids = torch.from_numpy(data.valid.ids)
        diagnostics = diagnose(model, valid_ids[: settings.diagnostic_tokens], settings.passes)
        with torch.no_grad():
            speed = compare_solvers(model, model.embed(valid_ids[: settings.speed_tokens])[None])
    result = {
        "schema": COMMAND.schema,
        "method": run_config.method,
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
    train_path = out_dir / "train.json"
    train_log = json.loads(train_path.read_text()) if train_path.exists() else {}
    result["files"] = ["eval.json", *plots.figure_files(train_log)]
    return EvalResult(config, result, train_log)
