"""The prompts file: the docs' example parses; every mistake is one line naming file, line and key."""

import json
import re
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.phase.inputs.prompt_file import load_prompts, parse_prompts

PAGE = Path(__file__).resolve().parents[3] / "docs" / "experiments" / "phase-run.md"

GOOD = """\
words:
  bank:
    senses: [finance, river]
    anchors:
      finance: ["I deposited money at the bank", "She opened an account at the bank"]
      river: ["I sat by the river bank"]
    prompts:
      - {label: neutral, text: "The bank"}
      - {label: strong_finance, text: "She deposited her savings at the bank", sense: finance}
    hints: [money, fish]
    gradient:
      finance: [She, went, to, the, bank]
      river: "He walked along the bank"
"""


def test_a_good_file_parses() -> None:
    suite = parse_prompts(GOOD, "p.yaml")
    (word,) = suite.words
    assert word.senses == ("finance", "river") and len(word.anchors["finance"]) == 2
    assert [p.sense for p in word.prompts] == [None, "finance"]
    assert word.gradient["river"] == ("He", "walked", "along", "the", "bank")
    assert suite.source == "file:p.yaml" and not suite.skipped


def test_the_docs_example_parses() -> None:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(words:.*?)```", text, re.DOTALL)
    assert block, "docs/experiments/phase-run.md has no ```yaml words: ...``` example"
    assert parse_prompts(block.group(1), "phase-run.md").words


def test_json_works_and_its_syntax_errors_name_the_line(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "p.json"
    path.write_text(json.dumps(yaml.safe_load(GOOD), indent=1))
    assert load_prompts(path).words[0].word == "bank"
    path.write_text('{\n "words": {\n  "bank": [1, 2,]\n }\n}')
    with pytest.raises(UserError, match=r"p\.json:3: malformed JSON"):
        load_prompts(path)


BROKEN = [
    ("words:\n  bank: [\n", r"p\.yaml:3: malformed YAML"),
    ("", r"p\.yaml: empty file"),
    ("word: {}\n", r"p\.yaml:1: word: unknown key; allowed: words"),
    ("words: [bank]\n", r"p\.yaml:1: words: expected a mapping, got a list"),
    ("words:\n  bank:\n    senses: [a, b]\n    prompts: []\n", r"p\.yaml:3: words\.bank: missing key 'anchors'"),
    (GOOD.replace("hints:", "hint:"), r"p\.yaml:10: words\.bank\.hint: unknown key; allowed: senses, anchors"),
    (GOOD.replace('text: "The bank"', 'txt: "The bank"'), r"p\.yaml:8: words\.bank\.prompts\[0\]\.txt: unknown key"),
    (
        GOOD.replace("sense: finance}", "sense: money}"),
        r"p\.yaml:9: words\.bank\.prompts\[1\]\.sense: unknown sense 'money'; allowed: finance, river",
    ),
    (
        GOOD.replace('text: "The bank"', 'text: "The river"'),
        r"p\.yaml:8: words\.bank\.prompts\[0\]\.text: 'The river' does not contain the target word 'bank'",
    ),
    (
        GOOD.replace('      river: ["I sat by the river bank"]\n', "      river: []\n"),
        r"p\.yaml:5: words\.bank\.anchors: sense 'river' has no anchor sentences",
    ),
    (GOOD.replace('river: ["I sat', 'sky: ["I sat'), r"p\.yaml:6: words\.bank\.anchors\.sky: unknown sense 'sky'"),
    (GOOD.replace("senses: [finance, river]", "senses: finance"), r"p\.yaml:3: words\.bank\.senses: expected a list"),
    (GOOD.replace("[money, fish]", "[money, river bank]"), r"p\.yaml:10: words\.bank\.hints\[1\]: hint 'river bank'"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_mistakes_name_line_and_key(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_prompts(text, "p.yaml")


def test_multi_word_file_skips_an_unusable_word_and_says_why() -> None:
    second = GOOD.split("\n", 1)[1].replace("bank", "bat").replace("sense: finance}", "sense: money}")
    suite = parse_prompts(GOOD + second, "p.yaml")
    assert [w.word for w in suite.words] == ["bank"]
    (skipped,) = suite.skipped
    assert skipped.word == "bat" and "unknown sense 'money'" in skipped.reason and "p.yaml:" in skipped.reason
    with pytest.raises(UserError, match="unknown sense 'money'"):
        parse_prompts(GOOD + second, "p.yaml", strict=True)
    # a malformed entry is an error even among several words
    with pytest.raises(UserError, match="expected a mapping"):
        parse_prompts(GOOD + "  bat: [1]\n", "p.yaml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_prompts(tmp_path / "nope.yaml")


BOM_PROMPTS = """words:
  bank:
    senses: [finance, river]
    anchors:
      finance: ["She deposited her savings at the bank", "I sat by the bank"]
      river: ["I sat by the river bank"]
    prompts:
      - {label: neutral, text: "The bank"}
"""


def test_yaml_and_json_prompt_files_may_start_with_a_byte_order_mark(tmp_path) -> None:
    import json as json_module

    import yaml

    from semphys.phase.inputs.prompt_file import load_prompts

    (tmp_path / "p.yaml").write_bytes(b"\xef\xbb\xbf" + BOM_PROMPTS.encode())
    (tmp_path / "p.json").write_bytes(b"\xef\xbb\xbf" + json_module.dumps(yaml.safe_load(BOM_PROMPTS)).encode())
    for name in ("p.yaml", "p.json"):
        assert [w.word for w in load_prompts(tmp_path / name).words] == ["bank"], name


def test_a_word_key_in_nfc_matches_sentences_in_nfd(tmp_path) -> None:
    import unicodedata

    from semphys.phase.inputs.prompt_file import load_prompts

    nfc, nfd = "café", unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    text = BOM_PROMPTS.replace("  bank:", f"  {nfc}:").replace("bank", nfd)
    path = tmp_path / "cafe.yaml"
    path.write_text(text, encoding="utf-8")
    suite = load_prompts(path)
    assert [w.word for w in suite.words] == [nfc] and not suite.skipped
