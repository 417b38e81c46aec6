"""`semphys samadhi train`: extract the token states, train Vitakka then each Vicara variant (spec 002).

The training itself is `semphys.samadhi.train.train_samadhi`. The run directory holds
`<variant>.safetensors` (`semphys.core.checkpoint`, with `SamadhiConfig`) and `train.json` (both
configs, data facts, loss histories, seconds, provenance; `train.schema.json` beside this module).
The token states stay in the feature cache (`semphys.samadhi.data`), so a second run extracts nothing.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.threads import torch_threads
from semphys.evidence import check_document
from semphys.experiments.base import Command, Log, quiet
from semphys.lm import check_model_spec, load_lm
from semphys.lm.models.specs import check_texts_fit
from semphys.samadhi.config import SamadhiConfig, SamadhiTrainConfig
from semphys.samadhi.data import documents_read, load_concept_data
from semphys.samadhi.model import SamadhiModel
from semphys.samadhi.train import train_samadhi

COMMAND = Command("samadhi train", "semphys.samadhi.train/1", ("train.json", "*.safetensors", "eval.json", "*.png"))
"""A re-run of the same training replaces all of the run directory's documents and checkpoints."""
SCHEMA_FILE = schema_path(__file__, "train")


@dataclass(frozen=True)
class TrainConfig:
    """One samadhi training: where it goes, its data and optimisation, and the model."""

    out: Path
    """The run directory."""
    train: SamadhiTrainConfig = field(default_factory=SamadhiTrainConfig)
    """Data and optimisation (`--quick`: `semphys.samadhi.config.QUICK`)."""
    model: SamadhiConfig = field(default_factory=SamadhiConfig)
    """The model (spec 002 §6 defaults), its language model, layer and window."""
    use_cache: bool = True
    """Read the token states from the feature cache when they are there (`--no-cache`: extract again)."""
    progress: bool = True
    """Progress bars of both stages on stderr."""

    def fingerprint(self) -> dict:
        """What the run directory is claimed for: both configs as given."""
        return {"train": self.train.to_dict(), "model": self.model.to_dict()}

    def validate(self) -> None:
        """The language model exists and its context holds every document read; `out` takes this run."""
        check_model_spec(self.model.lm_spec)
        check_texts_fit(self.model.lm_spec, documents_read(self.train), "the WordNet documents samadhi train reads")
        COMMAND.check(self.out, self.fingerprint())


@dataclass
class TrainResult:
    """The trained variants and what train.json records of them."""

    config: TrainConfig
    models: dict[str, SamadhiModel]
    """Variant -> trained model."""
    record: dict
    """The content of train.json."""

    @property
    def checkpoints(self) -> dict[str, str]:
        """Variant -> checkpoint file name in the run directory."""
        return dict(self.record["checkpoints"])

    def save(self, out: Path) -> Path:
        """`<variant>.safetensors` for each variant, then train.json, in `out` (claimed here)."""
        out = COMMAND.claim(out, self.config.fingerprint())
        check_document(self.record, SCHEMA_FILE)
        for variant, model in self.models.items():
            model.save(
                out / self.checkpoints[variant],
                extra={"variant": variant, "cache_key": self.record["data"]["cache_key"]},
            )
        write_text_atomic(out / "train.json", to_json(self.record, indent=2))
        return out


def run(config: TrainConfig, log: Log = quiet, work: Path | None = None) -> TrainResult:
    """Read (or extract) the data, train both stages; nothing is written (`work` is not needed)."""
    with torch_threads(config.train.threads):
        start = time.perf_counter()
        train, base = config.train, config.model
        torch.manual_seed(train.seed)
        np.random.seed(train.seed)
        lm = load_lm(base.lm_spec)
        data = load_concept_data(lm, base.lm_layer, base.window, train, log=log, use_cache=config.use_cache)
        trained = train_samadhi(data, lm.facts.d_model, train, base, config.progress)
        seconds = {"data": data.facts["seconds"], **trained.seconds}
        record = {
            "schema": COMMAND.schema,
            "train_config": train.to_dict(),
            "model_config": trained.model_config.to_dict(),
            "primary": train.primary_variant,
            "data": {k: v for k, v in data.facts.items() if k != "seconds"},
            "lm_facts": lm.facts.to_dict(),
            "history": trained.history,
            "seconds": seconds,
            "checkpoints": {variant: f"{variant}.safetensors" for variant in trained.models},
            **collect_provenance(),
        }
        seconds["total"] = time.perf_counter() - start
        return TrainResult(config, trained.models, record)
