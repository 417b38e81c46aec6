"""semphys.textlm.batches: seeded random windows and exhaustive evaluation windows."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.textlm.batches import eval_windows, random_batch


def test_random_batch_depends_only_on_seed_and_step(tiny_data):
    a = random_batch(tiny_data.train, 8, 16, seed=3, step=5)
    b = random_batch(tiny_data.train, 8, 16, seed=3, step=5)
    c = random_batch(tiny_data.train, 8, 16, seed=3, step=6)
    assert torch.equal(a.inputs, b.inputs) and not torch.equal(a.inputs, c.inputs)
    assert a.inputs.shape == a.targets.shape == a.origins.shape == (8, 16)
    assert torch.equal(a.inputs[:, 1:], a.targets[:, :-1])  # targets are the next tokens


def test_origins_are_those_of_the_input_tokens(tiny_data):
    batch = random_batch(tiny_data.train, 4, 10, seed=0, step=0)
    ids = torch.from_numpy(tiny_data.train.ids)
    origins = torch.from_numpy(tiny_data.train.origins)
    for row in range(4):
        start = next(s for s in range(len(ids)) if torch.equal(ids[s : s + 10], batch.inputs[row]))
        assert torch.equal(origins[start : start + 10], batch.origins[row])


def test_eval_windows_predict_every_token_but_the_first_once(tiny_data):
    windows = eval_windows(tiny_data.valid, 7)
    n = (len(tiny_data.valid) - 1) // 7
    assert windows.n_tokens == n * 7
    assert torch.equal(windows.targets.reshape(-1), torch.from_numpy(tiny_data.valid.ids[1 : n * 7 + 1]))
    assert len(eval_windows(tiny_data.valid, 7, max_windows=3)) == 3


def test_stream_shorter_than_a_window_is_refused(tiny_data):
    with pytest.raises(UserError, match="cannot fill one window"):
        eval_windows(tiny_data.valid, 600)
    with pytest.raises(UserError, match="seq_len must be at least 1"):
        random_batch(tiny_data.train, 2, 0, 0, 0)
