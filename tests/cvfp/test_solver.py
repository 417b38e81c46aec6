"""semphys.cvfp.solver: parallel evaluation gives the sequential loop's contexts."""

import pytest
import torch

from semphys.cvfp.solver import compare_solvers, solve, solve_blocks, solve_jacobi, solve_sequential
from semphys.errors import UserError

from .conftest import contracting_model, spec_model, stream


def test_parallel_solvers_match_the_sequential_loop_within_1e4(text):
    model = contracting_model(text.vocab_size)
    with torch.no_grad():
        embeds = model.embed(stream(text, 3000))[None]
    reference = solve_sequential(model, embeds).contexts
    for result in (solve_jacobi(model, embeds), solve_blocks(model, embeds)):
        assert result.converged, result.residuals
        assert float((result.contexts - reference).abs().max()) < 1e-4, result.method
    blocks = solve_blocks(model, embeds)
    assert blocks.iterations <= 4  # forgets within a block of ~55 tokens: a few sweeps, not 55
    assert solve_jacobi(model, embeds).iterations < 60  # geometric, not T = 3000


def test_without_contraction_the_sweeps_are_still_exact_after_enough_of_them(text):
    model = spec_model(text.vocab_size)  # near-identity F: errors do not decay
    with torch.no_grad():
        embeds = model.embed(stream(text, 100))[None]
    reference = solve_sequential(model, embeds).contexts
    partial = solve_jacobi(model, embeds, tol=0.0, max_iter=40)
    assert torch.allclose(partial.contexts[:, :40], reference[:, :40], atol=1e-5)  # k sweeps: k positions exact
    assert float((partial.contexts[:, 40:] - reference[:, 40:]).abs().max()) > 1e-3
    for result in (solve_jacobi(model, embeds, tol=0.0, max_iter=100), solve_blocks(model, embeds, tol=0.0)):
        assert float((result.contexts - reference).abs().max()) < 1e-4


def test_batches_and_start_contexts_are_honoured(text):
    model = contracting_model(text.vocab_size)
    with torch.no_grad():
        embeds = model.embed(stream(text, 400).view(4, 100))
        c0 = torch.randn(4, 16)
        reference = model.contexts(embeds, c0)
    assert torch.allclose(solve_blocks(model, embeds, c0).contexts, reference, atol=1e-5)
    assert torch.allclose(solve(model, embeds, c0, "jacobi").contexts, reference, atol=1e-5)


def test_solvers_leave_the_running_statistics_alone_and_report_speed(text):
    model = contracting_model(text.vocab_size).train()
    with torch.no_grad():
        embeds = model.embed(stream(text, 500))[None]
    solve_blocks(model, embeds)
    solve_jacobi(model, embeds)
    assert all(int(layer.num_batches_tracked) == 0 for layer in model.layers)
    speed = compare_solvers(model, embeds, repeats=1)
    assert speed["blocks_max_diff"] < 1e-4 and speed["jacobi_max_diff"] < 1e-4
    assert speed["blocks_speedup"] == pytest.approx(speed["sequential_seconds"] / speed["blocks_seconds"])


def test_unknown_solver_and_bad_shapes_are_refused(text):
    model = contracting_model(text.vocab_size)
    with pytest.raises(UserError, match="unknown solver 'newton'"):
        solve(model, torch.zeros(1, 3, 16), method="newton")
    with pytest.raises(UserError, match=r"embeddings must be \[batch, seq, 16\]"):
        solve(model, torch.zeros(3, 16))


def test_noise_floor_counts_as_converged_only_just_above_tol():
    from semphys.cvfp.solver import _at_noise_floor

    assert _at_noise_floor([1.0, 0.1, 1e-3, 2e-5, 1.5e-5, 1.2e-5, 1.4e-5, 1.3e-5, 1.6e-5], 1e-5)
    assert not _at_noise_floor([1.0, 0.5, 0.4, 0.3, 0.2, 0.1, 0.09], 1e-5)  # still falling
    assert not _at_noise_floor([1.0, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2], 1e-5)  # stuck far above tol
    assert not _at_noise_floor([1e-3, 8e-4, 5e-4, 6e-4, 4e-4, 5e-4, 5e-4], 1e-5)  # slow, not at the floor
