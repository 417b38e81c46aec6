"""The built-in words: spec 001's `bank`, `bat` and `crane`.

Verbatim from spec 001: the five prompts of each word (exp. 1, step 2), the single anchor sentences
of `bank` (the first anchor of each sense), the hints of `bank` (exp. 4) and its two context
gradients (exp. 5).

Added here, because the spec gives only one anchor per sense for `bank` and none for the others:
five anchor sentences per sense; hints and gradients for `bat` and `crane`. And, per word, one
prompt labelled `strong_<sense>_left`: in a causal model the target sees only the words before it,
so the spec's "The bat hung upside down in the dark cave" is, at `bat`, the neutral "The bat".
Anchors and added prompts put their disambiguating words before the target for the same reason;
no anchor repeats a prompt.
"""

from semphys.core.errors import UserError
from semphys.phase.inputs.prompts import Prompt, Word, check_word

_CAUSAL_NOTE = (
    "Added to spec 001: five anchors per sense with the context before the target, and a "
    "`strong_*_left` prompt, because a causal model's target vector sees only the words before it."
)

BANK = Word(
    word="bank",
    senses=("finance", "river"),
    anchors={
        "finance": (
            "I deposited money at the bank",
            "She opened a savings account at the bank",
            "He cashed his paycheck at the bank",
            "To get a mortgage, they applied for a loan at the bank",
            "The robbers stole gold from the vault of the bank",
        ),
        "river": (
            "I sat by the river bank",
            "We fished from the grassy bank",
            "The canoe drifted toward the muddy river bank",
            "Reeds grew thick along the stream bank",
            "After the flood, water spilled over the bank",
        ),
    },
    prompts=(
        Prompt("neutral", "The bank"),
        Prompt("weak_finance", "She went to the bank to", "finance"),
        Prompt("weak_river", "He walked along the bank near", "river"),
        Prompt("strong_finance", "She deposited her savings at the bank", "finance"),
        Prompt("strong_river", "The fish swam near the muddy bank of the river", "river"),
    ),
    hints=("money", "fish", "deposit", "water"),
    gradient={
        "finance": (
            "She",
            "went",
            "to",
            "the",
            "bank",
            "with",
            "her",
            "paycheck",
            "to",
            "deposit",
            "her",
            "monthly",
            "savings",
        ),
        "river": (
            "He",
            "walked",
            "along",
            "the",
            "bank",
            "of",
            "the",
            "winding",
            "river",
            "watching",
            "the",
            "fish",
            "swim",
        ),
    },
    notes={"added": "Four more anchors per sense (spec 001 gives one)."},
)

BAT = Word(
    word="bat",
    senses=("animal", "sports"),
    anchors={
        "animal": (
            "Deep in the cave hung a sleeping bat",
            "The biologist measured the wings of a tiny brown bat",
            "At dusk the moths were eaten by a hungry bat",
            "The nocturnal mammal that hunts insects by echolocation is the bat",
            "In the attic the colony included one fruit bat",
        ),
        "sports": (
            "He hit a home run with his new baseball bat",
            "The cricket player gripped the handle of his bat",
            "She bought a glove, a ball and an aluminum bat",
            "The batter stepped up to the plate and swung the bat",
            "In the dugout the coach handed him a heavier bat",
        ),
    },
    prompts=(
        Prompt("neutral", "The bat"),
        Prompt("weak_animal", "The bat flew through", "animal"),
        Prompt("weak_sports", "He swung the bat at", "sports"),
        Prompt("strong_animal", "The bat hung upside down in the dark cave", "animal"),
        Prompt("strong_sports", "The baseball player picked up his wooden bat", "sports"),
        Prompt("strong_animal_left", "Flying silently out of the dark cave at night came a bat", "animal"),
    ),
    hints=("cave", "baseball", "wings", "swing"),
    gradient={
        "animal": ("Deep", "inside", "the", "dark", "damp", "cave", "a", "sleeping", "bat", "hung", "upside", "down"),
        "sports": (
            "At",
            "the",
            "baseball",
            "game",
            "the",
            "batter",
            "swung",
            "his",
            "wooden",
            "bat",
            "at",
            "the",
            "ball",
        ),
    },
    notes={"added": _CAUSAL_NOTE},
)

CRANE = Word(
    word="crane",
    senses=("bird", "machine"),
    anchors={
        "bird": (
            "In the marsh we spotted a tall white crane",
            "The long-legged wading bird was a sandhill crane",
            "Birdwatchers photographed the nesting crane",
            "Flying south for the winter was a migrating crane",
            "The feathers and long beak belonged to a whooping crane",
        ),
        "machine": (
            "At the building site the workers operated the tower crane",
            "The container ship was unloaded by a dockside crane",
            "The operator climbed into the cab of the construction crane",
            "Steel girders were hoisted into place by the crane",
            "The truck carried a hydraulic crane",
        ),
    },
    prompts=(
        Prompt("neutral", "The crane"),
        Prompt("weak_bird", "The crane stood in the shallow", "bird"),
        Prompt("weak_machine", "The crane lifted the heavy", "machine"),
        Prompt("strong_bird", "The white crane flew gracefully over the wetlands", "bird"),
        Prompt("strong_machine", "The construction crane lifted steel beams to the roof", "machine"),
        Prompt("strong_bird_left", "Standing on one leg in the shallow marsh water was a crane", "bird"),
    ),
    hints=("bird", "construction", "feathers", "steel"),
    gradient={
        "bird": ("Over", "the", "quiet", "marsh", "a", "tall", "white", "wading", "crane", "spread", "its", "wings"),
        "machine": (
            "On",
            "the",
            "busy",
            "construction",
            "site",
            "the",
            "huge",
            "steel",
            "tower",
            "crane",
            "lifted",
            "the",
            "beams",
        ),
    },
    notes={"added": _CAUSAL_NOTE},
)

BUILTIN: dict[str, Word] = {word.word: word for word in (BANK, BAT, CRANE)}
"""Built-in words by name, in spec order."""

for _word in BUILTIN.values():
    check_word(_word)


def builtin_word(name: str) -> Word:
    """A built-in word by name; `UserError` naming the built-in words otherwise."""
    try:
        return BUILTIN[name]
    except KeyError:
        raise UserError(f"no built-in word {name!r}: built-in words are {', '.join(BUILTIN)}") from None
