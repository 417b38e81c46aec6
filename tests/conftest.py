"""Shared fixtures: the real embedded models (loaded once per session), a tiny GPT-2, and headless
Chromium for report pages.

Chromium: Playwright for Python (the `test` extra) drives Debian's Chromium at /usr/bin/chromium
(`$SEMPHYS_CHROMIUM` to override). No browser is downloaded. When either is missing the browser
tests fail, not skip, with the command that installs it.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # torch and transformers load only in the sessions that use a model
    from semphys.lm import LM

TINY_TEXT = [
    "I sat by the river bank and watched the water.",
    "She deposited her savings at the bank before noon.",
    "The bat hung upside down in the dark cave.",
    "The construction crane lifted steel beams to the roof.",
]


@pytest.fixture(scope="session")
def embedded() -> "LM":
    """Gemma-3-270M from the packaged GGUF (built into the user cache on first use)."""
    from semphys.lm import load_lm

    return load_lm("embedded")


@pytest.fixture(scope="session")
def minilm() -> "LM":
    from semphys.lm import load_lm

    return load_lm("minilm")


def tiny_bpe():
    """A byte-level BPE of about 300 tokens trained on `TINY_TEXT` (`<|endoftext|>` its one special token)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        TINY_TEXT,
        trainers.BpeTrainer(
            vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    return bpe


def save_tiny_gpt2(directory: Path, n_positions: int = 64) -> Path:
    """A 2-layer GPT-2 with random weights and a byte-level BPE tokenizer, saved as an HF directory."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    bpe = tiny_bpe()
    tokenizer = GPT2TokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", bos_token="<|endoftext|>")
    config = GPT2Config(n_layer=2, n_embd=32, n_head=4, n_positions=n_positions, vocab_size=bpe.get_vocab_size())
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_gpt2(tiny_gpt2_dir: Path) -> "LM":
    from semphys.lm import load_lm

    return load_lm(str(tiny_gpt2_dir))


CHROMIUM = os.environ.get("SEMPHYS_CHROMIUM", "/usr/bin/chromium")

# The network here is closed: without these, Chromium's background services keep trying to
# reach Google and fill the log with refused connections (see the machine notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


@dataclass
class PageCheck:
    """What happened when Chromium opened a page."""

    images: list[dict] = field(default_factory=list)
    """Per <img>: `src` (first 60 characters), `complete`, `naturalWidth`, `naturalHeight`."""
    console: list[tuple[str, str]] = field(default_factory=list)
    """Every console message: (type, text)."""
    page_errors: list[str] = field(default_factory=list)
    """Uncaught exceptions on the page."""
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for (the page itself included)."""
    failed_requests: list[str] = field(default_factory=list)

    @property
    def broken_images(self) -> list[dict]:
        return [img for img in self.images if not img["complete"] or img["naturalWidth"] == 0]

    @property
    def console_errors(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.console if kind == "error"]

    @property
    def outside_requests(self) -> list[str]:
        """Requests for anything but local files and data: URIs."""
        return [url for url in self.requests if not url.startswith(("file:", "data:"))]

    @property
    def problems(self) -> list[str]:
        """Everything that is wrong, one line each; empty for a clean page."""
        return (
            [f"image did not load: {img['src']}" for img in self.broken_images]
            + [f"console {kind}: {text}" for kind, text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"network request left the page: {url}" for url in self.outside_requests]
            + [f"request failed: {url}" for url in self.failed_requests]
        )


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright, shared by the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the browser test needs Playwright for Python: run `make install` "
            "(or `.venv/bin/pip install -e '.[test]'`); no browser download is needed"
        )
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make install` (installs the Debian package "
            "chromium) or `sudo apt-get install chromium`, or set SEMPHYS_CHROMIUM"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """`open_page(path) -> PageCheck`: load a file in a fresh page and report what happened."""
    contexts = []

    def check(path: Path, screenshot: Path | None = None) -> PageCheck:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        contexts.append(context)
        page = context.new_page()
        result = PageCheck()
        page.on("console", lambda msg: result.console.append((msg.type, msg.text)))
        page.on("pageerror", lambda err: result.page_errors.append(str(err)))
        page.on("request", lambda req: result.requests.append(req.url))
        page.on("requestfailed", lambda req: result.failed_requests.append(req.url[:80]))
        page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=20_000)
        result.images = page.evaluate(
            """() => Array.from(document.images, img => ({
                   src: img.getAttribute('src').slice(0, 60), complete: img.complete,
                   naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight}))"""
        )
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        return result

    yield check
    for context in contexts:
        context.close()


@pytest.fixture
def cli(monkeypatch, capsys):
    """`cli(*args) -> (exit code, stdout, stderr)`: `semphys ARGS` in-process, as a user runs it."""
    import sys

    from semphys.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["semphys", *args])
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


class ModelLoaded(AssertionError):
    """Raised by the `refused` fixture when a command loads a model before refusing its input."""


@pytest.fixture
def refused(cli, monkeypatch):
    """`refused(*args, match=..., untouched=DIR, max_seconds=10)`: the command refuses its input up front.

    Asserts exit code 2, nothing on stdout, exactly one stderr line, starting with `error:` and
    containing `match`, no traceback; that no model was loaded (`load_lm` fails the test if
    reached); that `untouched` (an output directory, or a file) is exactly as before; and that
    the refusal took under `max_seconds`. Returns the error line.
    """
    import time

    def no_model(*args, **kwargs):
        raise ModelLoaded("a model was loaded before the input was checked")

    monkeypatch.setattr("semphys.lm.models.loading.check_device", no_model)

    def snapshot(path: Path | None) -> dict[str, bytes] | None:
        if path is None or not path.exists():
            return None
        if path.is_file():
            return {"": path.read_bytes()}
        return {str(p.relative_to(path)): p.read_bytes() if p.is_file() else b"<dir>" for p in path.rglob("*")}

    def run(*args: str, match: str, untouched: Path | None = None, max_seconds: float = 10.0) -> str:
        before = snapshot(untouched)
        start = time.perf_counter()
        code, out, err = cli(*args)
        elapsed = time.perf_counter() - start
        lines = err.strip().splitlines()
        assert code == 2, f"exit {code}, stderr: {err}"
        assert out == "" and "Traceback" not in err, err
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert match in lines[0], lines[0]
        assert snapshot(untouched) == before, f"{untouched} changed"
        assert elapsed < max_seconds, f"refusal took {elapsed:.1f} s: the check ran after the work"
        return lines[0]

    return run
