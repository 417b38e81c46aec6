"""semphys.textlm.baselines: parameter matching and the four baselines on the same windows."""

import math

import numpy as np
import pytest

from semphys.core.threads import torch_threads
from semphys.textlm.baselines import gru_config, train_baselines, transformer_config
from semphys.textlm.batches import eval_windows
from semphys.textlm.gru import GRULM
from semphys.textlm.train import TrainConfig
from semphys.textlm.transformer import TransformerLM, count_parameters
from tests.textlm.conftest import MARKOV_STAY


@pytest.mark.parametrize("target", [300_000, 600_000])
def test_matched_sizes_are_close_to_the_target(target):
    gru = count_parameters(GRULM(gru_config(2048, target)))
    tf = count_parameters(TransformerLM(transformer_config(2048, target, 32)))
    assert abs(gru - target) / target < 0.1 and abs(tf - target) / target < 0.1


def test_baselines_against_the_entropy_of_a_markov_stream(markov_data, tmp_path):
    """On a stream whose next token mostly follows from the previous one: the unigram cannot beat the
    validation text's unigram entropy (Gibbs), the bigram reaches about the chain's entropy rate, and the
    two networks, which read the previous token, end well under the unigram."""
    windows = eval_windows(markov_data.valid, 8)
    train = TrainConfig(steps=60, batch_size=8, seq_len=8, warmup_steps=5)
    with torch_threads(1):  # these tiny models are several times slower on two contended threads
        results = train_baselines(
            markov_data,
            train,
            windows,
            target_params=5000,
            out_dir=tmp_path,
            progress=False,
            learning_rates={"gru": 3e-2, "transformer": 1e-2},
        )
    assert [r.name for r in results] == ["unigram", "bigram", "gru", "transformer"]
    ppl = {r.name: r.ppl for r in results}
    counts = np.bincount(windows.targets.reshape(-1).numpy(), minlength=40) / windows.n_tokens
    empirical = math.exp(-(counts[counts > 0] * np.log(counts[counts > 0])).sum())
    assert ppl["unigram"] >= empirical * (1 - 1e-9)
    v, r = 40, (1 - MARKOV_STAY) / 40
    q = MARKOV_STAY + r
    rate = math.exp(-(q * math.log(q) + (v - 1) * r * math.log(r)))  # exp of the chain's entropy rate, 3.35
    assert abs(math.log(ppl["bigram"] / rate)) < 0.25, (ppl["bigram"], rate)
    for name in ("gru", "transformer"):
        assert ppl[name] < 0.4 * ppl["unigram"], (name, ppl)
    by_name = {r.name: r for r in results}
    assert by_name["bigram"].detail["k"] > 0 and by_name["gru"].train_tokens == 60 * 8 * 8
    assert (tmp_path / "gru.safetensors").exists() and (tmp_path / "transformer.safetensors").exists()
