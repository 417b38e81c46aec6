"""semphys.phase.inputs.sources: one source of words per run."""

import pytest

from semphys.core.errors import UserError
from semphys.phase import build_suite


def test_suite_choice_defaults_to_the_builtin_words_and_takes_one_source() -> None:
    assert [w.word for w in build_suite(None, None, None).words] == ["bank", "bat", "crane"]
    with pytest.raises(UserError, match="give one of --words, --prompts, --wordnet, not --words and --wordnet"):
        build_suite("bank", None, 2)
    with pytest.raises(UserError, match="--wordnet must be at least 1"):
        build_suite(None, None, 0)
