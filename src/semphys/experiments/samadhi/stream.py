"""`semphys samadhi stream`: a text streamed through a trained model in windows (spec 002 §5), with both logs.

The streaming is `semphys.samadhi.stream.run_stream`, which returns the records of the Probe Log (§4.1) and
of the Cetana Dynamics Log (§4.2); this experiment writes them as JSON Lines. The two logs are files the
user names, not a run directory: nothing is claimed.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.io import read_user_text, write_text_atomic
from semphys.core.validate import require_choice, require_directory_option
from semphys.experiments.base import Command, Log, quiet
from semphys.experiments.samadhi.eval import read_run
from semphys.lm import load_lm
from semphys.samadhi.config import SOLVERS
from semphys.samadhi.model import SamadhiModel
from semphys.samadhi.stream import StreamResult as Streamed
from semphys.samadhi.stream import run_stream, text_windows

COMMAND = Command("samadhi stream", None, ())
"""Writes two JSON Lines logs (`semphys.samadhi.logs` schemas), no run directory."""


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """Write `records` as JSON Lines, atomically."""
    return write_text_atomic(Path(path), "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


@dataclass(frozen=True)
class StreamConfig:
    """A run directory of `samadhi train`, the text to stream and where both logs go."""

    run_dir: Path
    """A directory written by `semphys samadhi train`."""
    out: Path
    """The Probe Log (spec 002 §4.1), JSON Lines, one record per window."""
    text: str | None = None
    """The text to stream (exactly one of `text` and `text_file`)."""
    text_file: Path | None = None
    """A UTF-8 file holding the text."""
    cetana_log: Path | None = None
    """The Cetana Dynamics Log (§4.2); None: `out` with .cetana.jsonl."""
    variant: str | None = None
    """The checkpoint used: standard or probe_specific; None: the run's primary."""
    solver: str = "plain"
    """plain (the spec's loop) or anderson."""

    @property
    def cetana_path(self) -> Path:
        """Where the Cetana Dynamics Log goes."""
        return self.cetana_log or self.out.with_name(self.out.stem + ".cetana.jsonl")

    def read_text(self) -> str:
        """The text given, read from `text_file` when that is how it was given."""
        if (self.text is None) == (self.text_file is None):
            raise UserError("give exactly one of --text and --text-file")
        if self.text_file is not None:
            return read_user_text(self.text_file, "text file", "give a UTF-8 text file")
        return str(self.text)

    def chosen_variant(self, record: dict) -> str:
        """The variant streamed: `variant`, or the run's primary; `UserError` when the run did not train it."""
        chosen = self.variant or record["primary"]
        if chosen not in record["checkpoints"]:
            raise UserError(
                f"variant {chosen!r} was not trained in {self.run_dir}: choose one of "
                f"{', '.join(record['checkpoints'])}"
            )
        return chosen

    def fingerprint(self) -> dict:
        """The run, variant and solver streamed."""
        return {"run": str(self.run_dir), "variant": self.variant, "solver": self.solver}

    def validate(self) -> None:
        """A non-empty text, a known solver, two writable log files, a samadhi run that trained the variant."""
        if not self.read_text().strip():
            raise UserError("empty text: give at least one word to stream")
        require_choice("--solver", self.solver, SOLVERS)
        for name, path in (("--log", self.out), ("--cetana-log", self.cetana_path)):
            if path.is_dir():
                raise UserError(f"{name} {path} is a directory; give a file path for the JSON Lines log")
            require_directory_option(f"{name} directory", path.parent)
        if self.out.resolve() == self.cetana_path.resolve():
            raise UserError(f"--log and --cetana-log are the same file {self.out}; give two paths")
        self.chosen_variant(read_run(self.run_dir)[0])


@dataclass
class StreamResult:
    """Both logs of one streamed text, and the variant that read it."""

    config: StreamConfig
    variant: str
    streamed: Streamed

    def save(self, out: Path) -> Path:
        """The Probe Log at `out`, the Cetana Dynamics Log at `config.cetana_path`."""
        write_jsonl(out, self.streamed.probe_log)
        write_jsonl(self.config.cetana_path, self.streamed.cetana_log)
        return Path(out)


def run(config: StreamConfig, log: Log = quiet, work: Path | None = None) -> StreamResult:
    """Load the variant's checkpoint and the language model, stream the text (nothing is written)."""
    record, _, base = read_run(config.run_dir)
    chosen = config.chosen_variant(record)
    model, _ = SamadhiModel.load(
        config.run_dir / record["checkpoints"][chosen], expected=replace(base, vicara_type=chosen)
    )
    lm = load_lm(base.lm_spec)
    streamed = run_stream(model, text_windows(lm, config.read_text(), base.lm_layer, base.window), solver=config.solver)
    return StreamResult(config, chosen, streamed)
