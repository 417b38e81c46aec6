"""Finding a target word in a prompt, by character span, and the tokens that cover it.

A word is located by a whole-word match in the prompt text (case-sensitive first, then
case-insensitive), and the tokens whose character offsets overlap that span are its sub-tokens.
Matching on characters, not on token strings, makes multi-token words and tokenizers that glue the
preceding space to a word (GPT-2's `Ġbank`, Gemma's `▁bank`) work alike.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

from semphys.core.errors import UserError


@dataclass(frozen=True)
class TargetSpan:
    """A target word inside one tokenized prompt."""

    prompt: str
    word: str
    char_start: int
    char_end: int
    token_positions: tuple[int, ...]
    """Indices (into `input_ids`) of the tokens overlapping the word, in order."""
    input_ids: tuple[int, ...]
    """The whole tokenized prompt, special tokens included."""

    @property
    def n_tokens(self) -> int:
        return len(self.input_ids)


def find_word(prompt: str, word: str, occurrence: int = 0) -> tuple[int, int]:
    """Character span `[start, end)` of `word` in `prompt` as a whole word.

    `occurrence` picks among several matches (0 = first, -1 = last). Case-sensitive matches are
    preferred; when there are none, case-insensitive ones are used ("Bank" for `bank`).
    """
    if not word.strip():
        raise UserError(f"empty target word for prompt {prompt!r}")
    pattern = rf"(?<!\w){re.escape(word)}(?!\w)"
    matches = list(re.finditer(pattern, prompt)) or list(re.finditer(pattern, prompt, re.IGNORECASE))
    if not matches:
        raise UserError(f"target word {word!r} not in prompt {prompt!r}")
    try:
        match = matches[occurrence]
    except IndexError:
        raise UserError(
            f"target word {word!r} occurs {len(matches)} time(s) in prompt {prompt!r}; occurrence {occurrence} asked"
        ) from None
    return match.start(), match.end()


def check_pairs(prompts: Sequence[str], targets: Sequence[str], occurrence: int = 0) -> None:
    """Refuse, without a tokenizer, prompt/target lists that no model could capture: empty, unequal, or a
    target that is not a whole word of its prompt."""
    if not prompts:
        raise UserError("empty prompt list: give at least one prompt and its target word")
    if len(prompts) != len(targets):
        raise UserError(f"{len(prompts)} prompts but {len(targets)} target words: give one target per prompt")
    for prompt, word in zip(prompts, targets):
        find_word(prompt, word, occurrence)


def locate_target(tokenizer: PreTrainedTokenizerBase, prompt: str, word: str, occurrence: int = 0) -> TargetSpan:
    """Tokenize `prompt` (with the model's special tokens) and find the tokens covering `word`."""
    start, end = find_word(prompt, word, occurrence)
    encoding = tokenizer(prompt, add_special_tokens=True, return_offsets_mapping=True)
    positions = tuple(
        index
        for index, (tok_start, tok_end) in enumerate(encoding["offset_mapping"])
        if tok_end > tok_start and tok_start < end and tok_end > start
    )
    if not positions:  # only possible with a tokenizer that drops characters
        raise UserError(f"no token of prompt {prompt!r} covers target word {word!r}")
    return TargetSpan(
        prompt=prompt,
        word=word,
        char_start=start,
        char_end=end,
        token_positions=positions,
        input_ids=tuple(encoding["input_ids"]),
    )
