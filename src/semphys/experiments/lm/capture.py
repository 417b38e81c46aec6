"""`semphys lm capture`: the residual stream at target words, written as one safetensors file.

The capture is the library's (`semphys.lm.capture_residuals`); this module checks the options before
any model loads (`LMCaptureConfig.validate`: the output file, the prompt/target pairs, the device and
the model), runs it, and writes the file (`CaptureResult.save`, `save_capture`). The command writes a
single file, not a run directory: an existing file is refused unless `force`, and a file inside the
model's own directory always.
"""

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from safetensors.torch import save_file

from semphys.core.errors import UserError
from semphys.core.io import atomic_path
from semphys.core.validate import require_choice
from semphys.experiments.base import Command, Log, quiet
from semphys.lm import POOLINGS, Capture, capture_residuals, check_device, check_model_spec, load_lm
from semphys.lm.models.specs import model_directory
from semphys.lm.targets import check_pairs

COMMAND = Command("lm capture", None, ())
"""The command; it writes the one file `--out` (no run directory, so nothing is claimed)."""


@dataclass(frozen=True)
class LMCaptureConfig:
    """The options of `semphys lm capture` (prompts and targets already NFC-normalised)."""

    prompts: tuple[str, ...]
    """The texts to run."""
    targets: tuple[str, ...]
    """The target word of each prompt, in order."""
    out: Path
    """Output .safetensors file."""
    model: str = "embedded"
    """Model spec: `embedded`, `minilm`, a local directory or a hub id."""
    device: str = "cpu"
    """Where the model runs: cpu, cuda or cuda:N."""
    layers: tuple[int, ...] | None = None
    """Layer indices (0 = embeddings); None: all."""
    pooling: str = "last"
    """Sub-token of a multi-token word: last, first or mean."""
    final_norm: bool = False
    """Apply the final norm at the last layer index."""
    force: bool = False
    """Replace `out` when it exists (never a file inside the model's own directory)."""

    def validate(self) -> None:
        """`UserError` for the first bad option, before any model loads."""
        require_choice("--pooling", self.pooling, POOLINGS)
        check_output_file(
            "--out", self.out, force=self.force, reading=[d for d in [model_directory(self.model)] if d is not None]
        )
        check_pairs(self.prompts, self.targets)
        check_device(self.device)
        check_model_spec(self.model)

    def fingerprint(self) -> dict:
        """What decides the capture: model, device, prompts, targets, layers, pooling, final norm."""
        return {
            "model": self.model,
            "device": self.device,
            "prompts": list(self.prompts),
            "targets": list(self.targets),
            "layers": None if self.layers is None else list(self.layers),
            "pooling": self.pooling,
            "final_norm": self.final_norm,
        }


@dataclass
class CaptureResult:
    """A capture and the options that asked for it."""

    config: LMCaptureConfig
    capture: Capture
    """`resid: [n_prompts, len(layers), d_model]` and where each target was read."""

    def save(self, out: Path) -> Path:
        """Write the capture to the file `out` (`save_capture`); its path."""
        save_capture(self.capture, Path(out), self.config.model)
        return Path(out)


def run(config: LMCaptureConfig, log: Log = quiet, work: Path | None = None) -> CaptureResult:
    """Load the model and capture the residual stream at every target (`work` is not used)."""
    lm = load_lm(config.model, device=config.device)
    capture = capture_residuals(
        lm,
        list(config.prompts),
        list(config.targets),
        layers=config.layers,
        pooling=config.pooling,
        final_norm=config.final_norm,
    )
    return CaptureResult(config, capture)


def check_output_file(name: str, path: Path, force: bool = False, reading: Sequence[Path] = ()) -> Path:
    """`path` can be written as a file: not a directory, in an existing writable directory (checked before work).

    An existing file is refused unless `force`; a file inside a directory the command reads (`reading`: the
    model's directory) is refused even with `force`, so `--out` never replaces a model's own weights.
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{name} {path} is a directory; give a file path such as {path / 'capture.safetensors'}")
    for directory in reading:
        if Path(directory).is_dir() and Path(path).resolve().is_relative_to(Path(directory).resolve()):
            raise UserError(
                f"{name} {path} is inside the model directory {directory}, which this command reads; "
                "write it elsewhere (--force does not override this)"
            )
    if path.exists() and not force:
        raise UserError(f"{name} {path} exists; give a new file name, or --force to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"{name} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UserError(f"{name} {path}: directory {parent} is not writable")
    return path


def save_capture(capture: Capture, path: Path, model_spec: str) -> None:
    """Write a capture as safetensors: tensor `resid` plus prompts, targets and positions as metadata.

    Metadata values are JSON strings (safetensors metadata is str -> str): `prompts`, `targets`,
    `token_positions` (per prompt, the sub-token indices of the target), `layers`, `pooling`,
    `final_norm`, `model`.
    """
    metadata = {
        "model": model_spec,
        "prompts": json.dumps([span.prompt for span in capture.targets]),
        "targets": json.dumps([span.word for span in capture.targets]),
        "token_positions": json.dumps([list(span.token_positions) for span in capture.targets]),
        "layers": json.dumps(list(capture.layers)),
        "pooling": capture.pooling,
        "final_norm": json.dumps(capture.final_norm),
    }
    with atomic_path(path) as tmp:
        save_file({"resid": capture.resid.contiguous()}, tmp, metadata=metadata)
