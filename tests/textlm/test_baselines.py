"""semphys.textlm.baselines: parameter matching and the four baselines on the same windows."""

import pytest

from semphys.textlm.baselines import gru_config, train_baselines, transformer_config
from semphys.textlm.batches import eval_windows
from semphys.textlm.gru import GRULM
from semphys.textlm.train import TrainConfig
from semphys.textlm.transformer import TransformerLM, count_parameters


@pytest.mark.parametrize("target", [300_000, 600_000])
def test_matched_sizes_are_close_to_the_target(target):
    gru = count_parameters(GRULM(gru_config(2048, target)))
    tf = count_parameters(TransformerLM(transformer_config(2048, target, 32)))
    assert abs(gru - target) / target < 0.1 and abs(tf - target) / target < 0.1


def test_all_baselines_on_the_same_windows_with_checkpoints(tiny_data, tmp_path):
    windows = eval_windows(tiny_data.valid, 8)
    train = TrainConfig(steps=3, batch_size=4, seq_len=8)
    results = train_baselines(tiny_data, train, windows, target_params=5000, out_dir=tmp_path, progress=False)
    assert [r.name for r in results] == ["unigram", "bigram", "gru", "transformer"]
    by_name = {r.name: r for r in results}
    # Random tokens: no model beats the uniform distribution by much, none is absurd.
    for r in results:
        assert 20 < r.ppl < 80, r
    assert by_name["bigram"].detail["k"] > 0 and by_name["gru"].train_tokens == 3 * 4 * 8
    assert (tmp_path / "gru.safetensors").exists() and (tmp_path / "transformer.safetensors").exists()
