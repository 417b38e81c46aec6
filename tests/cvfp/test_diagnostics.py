"""semphys.cvfp.diagnostics against hand computations and known cases."""

import math

import pytest
import torch

from semphys.cvfp.diagnostics import context_spread, identity_cosine, sample_tokens, token_dependency

from .conftest import contracting_model, spec_model


def test_identity_cosine_by_hand():
    contexts = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    mean, std = identity_cosine(contexts, torch.tensor([1.0, 0.0]))
    cosines = torch.tensor([1.0, 1 / math.sqrt(2), 1 / math.sqrt(2)])
    assert mean == pytest.approx(float(cosines.mean())) and std == pytest.approx(float(cosines.std()))
    mean_zero_start, _ = identity_cosine(contexts, torch.zeros(2))  # c_0 = 0 has no direction: skipped
    assert mean_zero_start == pytest.approx(1 / math.sqrt(2))


class _Identity(torch.nn.Module):
    """F(c, e) = c: the collapsed map."""

    def step(self, context, token):
        return context

    def embed(self, ids):
        return torch.nn.functional.one_hot(ids, 8).float()

    layers = []


class _TokenOnly(_Identity):
    """F(c, e) = e: ignores the context."""

    def step(self, context, token):
        return token


def test_token_dependency_is_zero_for_the_identity_and_one_for_a_context_blind_map():
    contexts = torch.randn(10, 8)
    tokens = torch.tensor([1, 4, 6])
    identity = token_dependency(_Identity(), contexts, tokens)
    assert identity.variance_share == 0.0 and identity.output_cos == pytest.approx(1.0)
    assert identity.input_cos == pytest.approx(1.0) and identity.relative_distance == 0.0
    blind = token_dependency(_TokenOnly(), contexts, tokens)
    assert blind.variance_share == pytest.approx(1.0) and blind.output_cos == pytest.approx(0.0, abs=1e-6)


def test_real_models_fall_on_the_expected_sides():
    contexts = torch.nn.functional.layer_norm(torch.randn(64, 16), (16,))
    tokens = torch.arange(10, 26)
    assert 1 - token_dependency(spec_model(), contexts, tokens).output_cos < 0.05
    assert 1 - token_dependency(contracting_model(), contexts, tokens).output_cos > 0.3


def test_effective_rank_counts_isotropic_directions():
    torch.manual_seed(0)
    data = torch.zeros(4000, 10)
    data[:, :3] = torch.randn(4000, 3)
    diversity, rank = context_spread(data)
    assert rank == pytest.approx(3.0, abs=0.1)
    assert diversity == pytest.approx(math.sqrt(3), rel=0.1)  # mean norm of a 3-d standard normal ~ 1.6
    assert context_spread(torch.ones(5, 4)) == (0.0, 0.0)


def test_sampled_tokens_are_distinct_and_come_from_the_stream():
    stream = torch.tensor([5, 5, 5, 7, 9, 9, 11])
    tokens = sample_tokens(stream, 3, seed=0)
    assert len(set(tokens.tolist())) == 3 and set(tokens.tolist()) <= {5, 7, 9, 11}
