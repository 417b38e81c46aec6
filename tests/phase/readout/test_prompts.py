"""semphys.phase.readout.prompts: a prompts file's anchors as directions, its sense-declared prompts as items."""

import pytest

from semphys.core.errors import UserError
from semphys.phase.readout.prompts import prompts_items

PROMPTS_FILE = """\
words:
  bank:
    senses: [river, finance]
    anchors:
      river: ["I sat by the river bank and watched the water.", "The muddy bank of the river was steep."]
      finance: ["She deposited her savings at the bank before noon.", "The bank lent him money."]
    prompts:
      - {label: neutral, text: "The bank"}
      - {label: r1, text: "Fish swam near the grassy bank.", sense: river}
      - {label: r2, text: "We walked along the bank of the stream.", sense: river}
      - {label: r3, text: "The muddy bank of the river was steep.", sense: river}
      - {label: f1, text: "He robbed the bank at night.", sense: finance}
      - {label: f2, text: "The bank was closed on Sunday.", sense: finance}
  bat:
    senses: [animal, club]
    anchors:
      animal: ["The bat hung upside down in the dark cave."]
      club: ["He swung the wooden bat hard."]
    prompts:
      - {label: a1, text: "A bat flew out of the barn.", sense: animal}
"""


def test_a_prompts_file_gives_anchor_directions_and_sense_declared_test_items(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(PROMPTS_FILE)
    items = prompts_items(path)
    assert items.source == "prompts:p.yaml"
    (bank,) = items.words
    assert (bank.key, [c.lexname for c in bank.classes]) == ("bank", ["river", "finance"])
    assert bank.classes[0].glosses == (
        "I sat by the river bank and watched the water.",
        "The muddy bank of the river was steep.",
    )
    # r3 repeats an anchor: a test item never enters a direction, so it is not scored
    assert bank.classes[0].items == ("Fish swam near the grassy bank.", "We walked along the bank of the stream.")
    assert bank.classes[1].items == ("He robbed the bank at night.", "The bank was closed on Sunday.")
    assert bank.loo_classes() == [0, 1]
    assert [(s.word, s.reason) for s in items.skipped] == [
        ("bat", "no scorable prompt declares sense 'club'; a readout needs at least one test item per sense")
    ]
    assert [s.reason for s in items.unscored] == [
        "prompt 'neutral' declares no sense: not scored",
        "prompt 'r3' is one of the anchors: not scored",
    ]


@pytest.mark.parametrize(
    "text, match",
    [
        (None, "does not exist"),
        ("words: [unclosed", "p.yaml"),
        (
            "words:\n  bat:\n    senses: [animal, club]\n    anchors: {animal: [the bat], club: [a bat]}\n"
            "    prompts: [{label: x, text: the bat}]\n",
            "no word of the prompts file can be read out: bat: no scorable",
        ),
    ],
)
def test_a_prompts_file_that_cannot_be_read_out_is_refused(tmp_path, text, match):
    path = tmp_path / "p.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(UserError, match=match):
        prompts_items(path)
