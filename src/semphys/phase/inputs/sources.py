"""Where a suite's words come from: built-in or named words, a prompts file, or N WordNet nouns.

`build_suite` is the one entry point for the per-word `semphys phase run` (--words / --prompts) and
for `semphys sweep` specs with `words: {names | prompts}`. Its `wordnet` source is the thin per-word
design (one neutral and two gloss prompts per noun), reached only from Python (`PhaseRunConfig.wordnet`);
the CLI's `--wordnet N | --all` and a sweep's `words: {wordnet: ...}` run spec 001 at WordNet scale
(`semphys.experiments.phase.wordnet`).
"""

import unicodedata
from pathlib import Path

from semphys.core.errors import UserError
from semphys.core.validate import parse_list
from semphys.phase.inputs.builtin import BUILTIN
from semphys.phase.inputs.prompt_file import load_prompts
from semphys.phase.inputs.prompts import Suite
from semphys.phase.inputs.wordnet_words import named_suite, wordnet_suite


def build_suite(words: str | None, prompts: Path | None, wordnet: int | None, strict: bool = False) -> Suite:
    """The suite from exactly one of `words` (comma-separated), `prompts`, `wordnet` (default: built-in words).

    With `strict`, a word that cannot be used is an error instead of being skipped.
    """
    given = [
        name
        for name, value in (("--words", words), ("--prompts", prompts), ("--wordnet", wordnet))
        if value is not None
    ]
    if len(given) > 1:
        raise UserError(f"give one of --words, --prompts, --wordnet, not {' and '.join(given)}")
    if prompts is not None:
        return load_prompts(prompts, strict)
    if wordnet is not None:
        if wordnet < 1:
            raise UserError(f"--wordnet must be at least 1, got {wordnet}")
        suite = wordnet_suite(wordnet)
        if strict and suite.skipped:
            raise UserError(f"word {suite.skipped[0].word!r} cannot be used: {suite.skipped[0].reason}")
        return suite
    names = (
        [unicodedata.normalize("NFC", name) for name in parse_list(words, "--words")]
        if words is not None
        else list(BUILTIN)
    )
    return named_suite(names, BUILTIN.get, strict)
