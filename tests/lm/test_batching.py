"""Length buckets and layer indices shared by the residual-stream readers."""

import pytest

from semphys.core.errors import UserError
from semphys.lm.batching import LENGTH_STRETCH, check_layers, length_batches, progress_disabled


def test_length_buckets_bound_padding_and_budget() -> None:
    lengths = [3, 40, 4, 12, 13, 38, 5, 11, 30, 3, 39]
    batches = length_batches(lengths, batch_tokens=80)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        widths = [lengths[i] for i in batch]
        assert max(widths) * len(batch) <= 80 or len(batch) == 1
        assert max(widths) <= LENGTH_STRETCH * min(widths)


def test_layer_indices_default_to_all_and_refuse_out_of_range_or_repeated():
    assert check_layers(None, 2) == [0, 1, 2]
    assert check_layers([2, 0], 2) == [2, 0]
    with pytest.raises(UserError, match="out of range"):
        check_layers([3], 2)
    with pytest.raises(UserError, match="repeat an index"):
        check_layers([1, 1], 2)


def test_a_single_batch_shows_no_progress_bar_unless_asked():
    assert progress_disabled(None, 1) is True and progress_disabled(None, 2) is None
    assert progress_disabled(True, 1) is False and progress_disabled(False, 5) is True
