"""semphys.cvfp.parallel: Jacobi and block Jacobi (through semphys.core.fixedpoint) give the sequential loop's contexts."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.cvfp.parallel import compare_solvers, parallel_contexts, sequential_contexts

from .conftest import contracting_model, spec_model, stream


def test_parallel_solvers_match_the_sequential_loop_within_1e4(text):
    model = contracting_model(text.vocab_size)
    with torch.no_grad():
        embeds = model.embed(stream(text, 3000))[None]
    reference = sequential_contexts(model, embeds)
    sweeps = {}
    for method in ("jacobi", "block_jacobi"):
        contexts, stats = parallel_contexts(model, embeds, method=method)
        assert stats.converged.all() and (stats.residual <= 1e-5).all(), stats.to_dict()
        assert float((contexts - reference).abs().max()) < 1e-4, method
        sweeps[method] = int(stats.iterations[0])
    assert sweeps["block_jacobi"] <= 4  # forgets within a block of ~55 tokens: a few sweeps, not 55
    assert sweeps["jacobi"] < 60  # geometric, not T = 3000


def test_without_contraction_the_sweeps_are_still_exact_after_enough_of_them(text):
    model = spec_model(text.vocab_size)  # near-identity F: errors do not decay
    with torch.no_grad():
        embeds = model.embed(stream(text, 100))[None]
    reference = sequential_contexts(model, embeds)
    partial, stats = parallel_contexts(model, embeds, method="jacobi", tol=0.0, max_iter=40)
    assert not stats.converged.any() and int(stats.iterations[0]) <= 40
    assert torch.allclose(partial[:, :40], reference[:, :40], atol=1e-5)  # k sweeps: k positions exact
    assert float((partial[:, 40:] - reference[:, 40:]).abs().max()) > 1e-3
    for method, bound in (("jacobi", 100), ("block_jacobi", None)):
        contexts, _ = parallel_contexts(model, embeds, method=method, tol=0.0, max_iter=bound)
        assert float((contexts - reference).abs().max()) < 1e-4, method


def test_batches_and_start_contexts_are_honoured_per_sequence(text):
    model = contracting_model(text.vocab_size)
    with torch.no_grad():
        embeds = model.embed(stream(text, 400).view(4, 100))
        c0 = torch.randn(4, 16)
        reference = model.contexts(embeds, c0)
    for method in ("block_jacobi", "jacobi"):
        contexts, stats = parallel_contexts(model, embeds, c0, method)
        assert torch.allclose(contexts, reference, atol=1e-5), method
        assert stats.iterations.shape == (4,) and stats.converged.all()


def test_solvers_leave_the_running_statistics_alone_and_report_speed(text):
    model = contracting_model(text.vocab_size).train()
    with torch.no_grad():
        embeds = model.embed(stream(text, 500))[None]
    parallel_contexts(model, embeds, method="block_jacobi")
    parallel_contexts(model, embeds, method="jacobi")
    assert all(int(layer.num_batches_tracked) == 0 for layer in model.layers)
    speed = compare_solvers(model, embeds, repeats=1)
    assert speed["blocks_max_diff"] < 1e-4 and speed["jacobi_max_diff"] < 1e-4
    assert speed["blocks_converged"] and not speed["blocks_noise_floor"]
    assert speed["blocks_speedup"] == pytest.approx(speed["sequential_seconds"] / speed["blocks_seconds"])


def test_unknown_solver_and_bad_shapes_are_refused(text):
    model = contracting_model(text.vocab_size)
    with pytest.raises(UserError, match="unknown solver 'newton'"):
        parallel_contexts(model, torch.zeros(1, 3, 16), method="newton")
    with pytest.raises(UserError, match=r"embeddings must be \[batch, seq, 16\]"):
        parallel_contexts(model, torch.zeros(3, 16))
