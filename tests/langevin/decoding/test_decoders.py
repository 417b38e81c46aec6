"""Generation on the embedded model: every decoder runs, the log is complete, log-probs are the model's."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.langevin.decoding.coupling import TokenDynamics, induced_distribution, kl_divergence
from semphys.langevin.decoding.decoders import Greedy, LangevinDecoder, TopKSampling, generate, steering_token_ids
from semphys.lm import next_token_distribution, sequence_log_probs

FAST = TokenDynamics(n_steps=60, dt=0.05)


def test_generate_runs_every_decoder_and_logs_the_dynamics(embedded) -> None:
    decoders = [
        Greedy(),
        TopKSampling(1.0),
        LangevinDecoder(FAST, name="langevin", steer_token_ids=[235, 236]),
        LangevinDecoder(TokenDynamics(n_steps=60, dt=0.05, start="previous", rut_strength=2.0), name="rut"),
    ]
    out = generate(embedded, "The old lighthouse keeper", decoders, n_tokens=4, top_k=8, samples=2, seed=0)
    assert [g.decoder for g in out] == [
        "greedy",
        "greedy",
        "sampling T=1",
        "sampling T=1",
        "langevin",
        "langevin",
        "rut",
        "rut",
    ]
    assert all(len(g.token_ids) == 4 and len(g.log_probs) == 4 and len(g.steps) == 4 for g in out)
    assert all(s["rank"] == 0 for s in out[0].steps)  # greedy takes the top candidate
    assert out[0].token_ids == out[1].token_ids
    langevin = out[4].steps
    assert {"bhattacharyya_end", "lambda_mean", "entropy_q", "q", "token"} <= set(langevin[0])
    assert langevin[0]["rut_overlap"] is None and out[6].steps[1]["rut_overlap"] is not None
    # the log-probabilities are the model's own, as a one-pass re-scoring gives them
    prompt_ids = embedded.tokenizer("The old lighthouse keeper", return_tensors="pt").input_ids[0].tolist()
    rescored = sequence_log_probs(embedded, [prompt_ids + out[4].token_ids])[0, len(prompt_ids) - 1 :]
    assert torch.allclose(rescored, torch.tensor(out[4].log_probs, dtype=torch.float64), atol=2e-3)


def test_the_limit_holds_on_a_real_next_token_distribution(embedded) -> None:
    ids = embedded.tokenizer("She opened the letter and", return_tensors="pt").input_ids
    q = next_token_distribution(embedded, ids, top_k=16).probs[0]
    p = induced_distribution(q, TokenDynamics(temperature_end=0.002, n_steps=200, dt=0.03), n_particles=20_000)
    assert kl_divergence(p, q) < 3e-3


def test_steering_tokens_cover_each_word_with_and_without_space(embedded) -> None:
    ids = steering_token_ids(embedded.tokenizer, "ocean waves")
    for variant in ("ocean", " ocean", " waves"):
        assert set(embedded.tokenizer(variant, add_special_tokens=False).input_ids) <= set(ids)
    with pytest.raises(UserError, match="empty steering text"):
        steering_token_ids(embedded.tokenizer, " ")


def test_bad_generation_arguments(tiny_gpt2) -> None:
    with pytest.raises(UserError, match="decoder names must be distinct"):
        generate(tiny_gpt2, "a", [Greedy(), Greedy()], n_tokens=1)
    with pytest.raises(UserError, match="n_tokens = 0"):
        generate(tiny_gpt2, "a", [Greedy()], n_tokens=0)
    with pytest.raises(UserError, match="sampling temperature 0"):
        TopKSampling(0.0)
