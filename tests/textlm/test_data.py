"""semphys.textlm.data: token streams with the origin of every token, from the real WordNet corpus."""

import numpy as np
import pytest

from semphys.core.errors import UserError
from semphys.data import Document
from semphys.textlm.data import MIN_TOKENS, ORIGIN_NAMES, DataConfig, load_text_data, origin_stream


def test_origin_stream_follows_document_boundaries():
    docs = [Document("a", "x.n.01", "noun.animal", "n"), Document("b", "y.v.01", "verb.motion", "v")]
    ids = np.array([10, 11, 3, 12, 3])  # doc 1: 10 11 <eos>, doc 2: 12 <eos>
    origins = origin_stream(ids, docs, eos_id=3)
    animal, motion = ORIGIN_NAMES.index("noun.animal"), ORIGIN_NAMES.index("verb.motion")
    assert origins.tolist() == [animal, animal, animal, motion, motion]
    with pytest.raises(ValueError, match="2 <eos> for 3 documents"):
        origin_stream(ids, docs + docs[:1], eos_id=3)


def test_real_corpus_budgets_origins_and_held_out_split():
    data = load_text_data(DataConfig(max_train_tokens=5000, max_valid_tokens=2000))
    assert len(ORIGIN_NAMES) == data.n_origins == 45
    for split, budget in ((data.train, 5000), (data.valid, 2000)):
        assert budget - 200 < len(split) <= budget  # whole documents up to the budget
        assert split.origins.min() >= 0 and split.origins.max() < 45
        ends = np.flatnonzero(split.ids == data.eos_id)
        assert ends[-1] == len(split) - 1 and ends.size == split.n_documents
        starts = np.concatenate([[0], ends[:-1] + 1])
        for start, end in zip(starts, ends):  # one origin per document
            assert np.unique(split.origins[start : end + 1]).size == 1
    assert len(np.unique(data.train.origins)) > 10  # shuffled order mixes categories
    again = load_text_data(DataConfig(max_train_tokens=5000, max_valid_tokens=2000))
    assert np.array_equal(again.train.ids, data.train.ids)  # same seed, same stream


def test_budget_below_a_window_and_bad_fractions_are_refused_when_the_config_is_made():
    with pytest.raises(UserError, match=f"max_train_tokens must be at least {MIN_TOKENS}, got 10"):
        DataConfig(max_train_tokens=10)
    for bad in (0.0, 1.0, float("nan")):
        with pytest.raises(UserError, match="valid_fraction must be"):
            DataConfig(valid_fraction=bad)


def test_shuffled_origins_keep_documents_and_label_counts_but_move_labels(tiny_data):
    from semphys.textlm.data import shuffle_origins

    split = tiny_data.train
    shuffled = shuffle_origins(split, tiny_data.eos_id, seed=0)
    ends = np.flatnonzero(split.ids == tiny_data.eos_id)
    starts = np.concatenate([[0], ends[:-1] + 1])
    assert np.array_equal(shuffled.ids, split.ids)
    for start, end in zip(starts, ends):
        assert np.unique(shuffled.origins[start : end + 1]).size == 1  # still one label per document
    assert sorted(shuffled.origins[starts]) == sorted(split.origins[starts])
    assert (shuffled.origins[starts] != split.origins[starts]).mean() > 0.8
