"""`semphys samadhi eval`: a training run's held-out figures next to their baselines, and its claims decided.

The figures are `semphys.samadhi.evaluate.evaluate_samadhi`; the claims are `semphys.samadhi.claims`. The
document, eval.json (`eval.schema.json` beside this module), and the figures (`plots`) go into the
training's run directory, which stays owned by `samadhi train`: eval reads it, never claims it.
"""

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from semphys.core.checkpoint import config_from_dict
from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.rundir import read_manifest
from semphys.core.threads import torch_threads
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.experiments.samadhi import plots
from semphys.experiments.samadhi.train import COMMAND as TRAIN
from semphys.lm import load_lm
from semphys.samadhi.claims import samadhi_claims
from semphys.samadhi.config import SamadhiConfig, SamadhiTrainConfig
from semphys.samadhi.data import load_concept_data
from semphys.samadhi.evaluate import evaluate_samadhi
from semphys.samadhi.model import SamadhiModel

COMMAND = Command("samadhi eval", "semphys.samadhi.eval/3", ("eval.json", "*.png"))
"""eval.json's schema history: 2: verdict rows carry `kind` and `note`; the gate is also scored on the held-out
noise kind; steps_by_beta carries the untrained null. 3: `verdict` became `claims` (`evidence.Claim` rows,
paired tests); `per_window` figures beside concepts, gate, refinement, stability and retention."""
SCHEMA_FILE = schema_path(__file__, "eval")


def read_run(run_dir: Path) -> tuple[dict, SamadhiTrainConfig, SamadhiConfig]:
    """train.json of a run directory, with its two configs rebuilt.

    `UserError` (one line) when the directory belongs to another command (its `semphys-run.json`),
    has no train.json, or holds one that is not a samadhi train document.
    """
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir) if run_dir.is_dir() else None
    if manifest is not None and manifest["command"] != TRAIN.name:
        raise UserError(
            f"{run_dir} holds a `semphys {manifest['command']}` run, not a samadhi run; give a directory "
            f"written by `semphys {TRAIN.name}`"
        )
    path = run_dir / "train.json"
    if not path.is_file():
        raise UserError(f"{run_dir} is not a samadhi run directory (no train.json); run `semphys samadhi train` first")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("schema") != TRAIN.schema:
            raise KeyError("schema")
        train, model = record["train_config"], record["model_config"]
        return (record, config_from_dict(SamadhiTrainConfig, train), config_from_dict(SamadhiConfig, model))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise UserError(
            f"{path} is not a samadhi train document (schema {TRAIN.schema}); give a directory written "
            f"by `semphys {TRAIN.name}`"
        ) from None


def load_models(run_dir: Path, record: dict, base: SamadhiConfig) -> dict[str, SamadhiModel]:
    """Every variant's checkpoint, each checked against the run's config (vicara_type aside)."""
    models = {}
    for variant, name in record["checkpoints"].items():
        models[variant], _ = SamadhiModel.load(Path(run_dir) / name, expected=replace(base, vicara_type=variant))
    if not models:
        raise UserError(f"{run_dir}/train.json lists no checkpoint")
    return models


@dataclass(frozen=True)
class EvalConfig:
    """Which training run to evaluate, and whether to draw its figures."""

    out: Path
    """The run directory written by `semphys samadhi train`; eval.json and the figures go there too."""
    figures: bool = True
    """Draw the PNG figures (`plots.FIGURES`; `--no-figures`: none)."""

    def fingerprint(self) -> dict:
        """The evaluated run (eval claims nothing: the directory is the training's)."""
        return {"run": str(self.out)}

    def validate(self) -> None:
        """`out` holds a samadhi training run (`read_run`'s refusals)."""
        read_run(self.out)


@dataclass
class EvalResult:
    """The eval.json document of a run."""

    config: EvalConfig
    document: dict

    def save(self, out: Path) -> Path:
        """eval.json, then (`config.figures`) every figure of `plots.FIGURES`, in `out`."""
        out = Path(out)
        check_document(self.document, SCHEMA_FILE)
        write_text_atomic(out / "eval.json", to_json(self.document, indent=2))
        if self.config.figures:
            plots.write_figures(self.document, out)
        return out


def run(config: EvalConfig, log: Log = quiet, work: Path | None = None) -> EvalResult:
    """Every figure of `semphys.samadhi.evaluate` for the run in `config.out`, and its claims."""
    record, train_config, base = read_run(config.out)
    with torch_threads(train_config.threads):
        start = time.perf_counter()
        models = load_models(config.out, record, base)
        lm = load_lm(base.lm_spec)
        data = load_concept_data(lm, base.lm_layer, base.window, train_config, log=log)
        primary = record["primary"] if record["primary"] in models else next(iter(models))
        seed = train_config.seed
        torch.manual_seed(seed)
        figures = evaluate_samadhi(models, primary, data, seed, log=log)
        document = {
            "schema": COMMAND.schema,
            "run": str(config.out),
            "primary": record["primary"],
            "data": {k: v for k, v in data.facts.items() if k in ("model", "layer", "window", "counts")},
            **figures,
            "config": {"model": asdict(base), "train": asdict(train_config)},
        }
        document["claims"] = [claim.to_dict() for claim in samadhi_claims(document)]
        document["seconds"] = time.perf_counter() - start
        document.update(collect_provenance())
        return EvalResult(config, document)
