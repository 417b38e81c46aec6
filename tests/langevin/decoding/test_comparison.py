"""The decoder comparison and the temperature probe, at toy scale."""

import math

import torch

from semphys.langevin.decoding.comparison import compare_decoders, default_decoders, temperature_probe
from semphys.langevin.decoding.coupling import TokenDynamics
from semphys.langevin.decoding.decoders import Greedy, LangevinDecoder


def test_compare_decoders_reports_every_metric(tiny_gpt2) -> None:
    decoders = [Greedy(), LangevinDecoder(TokenDynamics(n_steps=20, dt=0.05), name="langevin")]
    result = compare_decoders(tiny_gpt2, ["the river", "a bank"], decoders, n_tokens=6, top_k=5, seed=0)
    assert [r["decoder"] for r in result.rows] == ["greedy", "langevin"]
    greedy = result.rows[0]
    assert greedy["mean rank"] == 0 and 0 <= greedy["repetition (seq-rep-4)"] <= 1
    assert all(math.isfinite(r["perplexity"]) and r["perplexity"] >= 1 for r in result.rows)
    assert 0 < greedy["distinct-1"] <= 1 and len(result.generations) == 4
    # greedy runs no dynamics; the Langevin decoder's dynamics are part of the whole run's time
    assert greedy["dynamics seconds"] == 0 and 0 < result.rows[1]["dynamics seconds"] < result.seconds


def test_default_decoders_have_distinct_names() -> None:
    names = [d.name for d in default_decoders()]
    assert len(set(names)) == len(names) and names[0] == "greedy"


def test_temperature_probe_rows() -> None:
    q = torch.tensor([0.5, 0.3, 0.15, 0.05], dtype=torch.float64)
    rows = temperature_probe(q, [0.01, 0.5], n_particles=500, n_steps=40, dt=0.05)
    assert len(rows) == 12
    state = [r for r in rows if r["method"] == "langevin, end state ~ x^2"]
    assert state[0]["kl"] < state[1]["kl"] and all("kl_theory" in r for r in state)
