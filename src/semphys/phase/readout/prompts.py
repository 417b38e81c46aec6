"""Test items of the held-out sense readout from a prompts file (`semphys phase readout --prompts`).

The file is the `semphys phase run --prompts` format (`prompt_file`, docs/experiments/phase-run.md): the
anchors give the directions, the prompts with a declared sense are the test items. So each word becomes a
`ReadoutWord` whose two classes are its senses (A first): a class's `glosses` are that sense's
*anchor* sentences (the `gloss` design keeps its name; for a prompts file its directions are the
anchors' means) and its `items` are the prompts that declare that sense (`loo`, as for WordNet, for
senses with two or more). Never scored, each listed in `ReadoutItems.unscored` with the reason: a
prompt without a declared sense, and a prompt whose text is one of the word's anchors (a test item
never enters a direction). A word with no test item for one of its senses is skipped with the reason.
"""

from pathlib import Path

from semphys.core.errors import UserError
from semphys.phase.inputs.prompt_file import load_prompts
from semphys.phase.inputs.prompts import Skipped, Word
from semphys.phase.readout.items import ReadoutItems, ReadoutWord, SenseClass


def prompts_word(word: Word) -> tuple[ReadoutWord | Skipped, list[Skipped]]:
    """A prompts file's word as a readout word (or `Skipped` with the reason), and its unscored prompts."""
    anchors = {text for sense in word.senses for text in word.anchors[sense]}
    unscored = []
    for prompt in word.prompts:
        if prompt.sense is None:
            unscored.append(Skipped(word.word, f"prompt {prompt.label!r} declares no sense: not scored"))
        elif prompt.text in anchors:
            unscored.append(Skipped(word.word, f"prompt {prompt.label!r} is one of the anchors: not scored"))
    scored = [p for p in word.prompts if p.sense is not None and p.text not in anchors]
    classes = tuple(
        SenseClass(
            sense, (), tuple(word.anchors[sense]), tuple(dict.fromkeys(p.text for p in scored if p.sense == sense))
        )
        for sense in word.senses
    )
    empty = [c.lexname for c in classes if not c.items]
    if empty:
        return Skipped(
            word.word,
            f"no scorable prompt declares sense {', '.join(map(repr, empty))}; "
            "a readout needs at least one test item per sense",
        ), unscored
    return ReadoutWord(word.word, "", classes), unscored


def prompts_items(path: Path) -> ReadoutItems:
    """The readout words of a prompts file (`semphys phase run --prompts` format; see the module docstring).

    File errors (missing, unreadable, malformed) are the loader's `UserError`s; the words the loader
    skips stay skipped, with its reason. `UserError` when no word is left.
    """
    suite = load_prompts(path)
    words: list[ReadoutWord] = []
    skipped = list(suite.skipped)
    unscored: list[Skipped] = []
    for word in suite.words:
        result, left_out = prompts_word(word)
        unscored += left_out
        if isinstance(result, Skipped):
            skipped.append(result)
        else:
            words.append(result)
    if not words:
        raise UserError(
            f"{path}: no word of the prompts file can be read out: "
            + "; ".join(f"{s.word}: {s.reason}" for s in skipped[:3])
        )
    return ReadoutItems(tuple(words), tuple(skipped), f"prompts:{Path(path).name}", tuple(unscored))
