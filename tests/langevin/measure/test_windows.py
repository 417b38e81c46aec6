"""WordNet windows end at a whole word that `find_word` can locate."""

from semphys.langevin.measure.windows import text_windows
from semphys.lm.targets import find_word


def test_windows_end_at_a_whole_word_even_next_to_digits():
    texts = ["a crystalline tetrabasic acid (H4P2O7) of phosphorus and more words here"] * 50
    windows = text_windows(texts, 40, seed=0)
    assert windows
    for window in windows:
        start, end = find_word(window.prompt, window.target, -1)
        assert end == len(window.prompt)
        assert window.target not in ("H", "P", "O")


def test_windows_that_do_not_fit_are_skipped():
    texts = ["one two three four five six seven", "alpha beta gamma delta epsilon"]
    windows = text_windows(texts, 5, seed=0, fits=lambda prompt: "alpha" in prompt)
    assert windows and all(w.prompt.startswith("alpha") for w in windows)
