"""W_QK PCA: the residual-stream form is basis-invariant, the spec's d_head form is not; real models' shapes."""

import numpy as np
import pytest
import torch

from semphys.phase.qk.pca import _grams, explained_variance, qk_pca


def test_residual_form_is_invariant_to_a_change_of_basis_inside_the_head() -> None:
    generator = torch.Generator().manual_seed(0)
    w_q = [torch.randn(4, 12, 3, generator=generator) for _ in range(3)]
    w_k = [torch.randn(1, 12, 3, generator=generator) for _ in range(3)]
    kv = [torch.zeros(4, dtype=torch.long)] * 3  # 4 query heads share one key head
    # a different invertible M per layer: W_Q -> W_Q M, W_K -> W_K M^-T; every attention score is unchanged
    ms = [torch.randn(3, 3, generator=generator) + 3 * torch.eye(3) for _ in range(3)]
    q2 = [q @ m for q, m in zip(w_q, ms)]
    k2 = [k @ torch.linalg.inv(m).T for k, m in zip(w_k, ms)]
    before, after = _grams(w_q, w_k, kv), _grams(q2, k2, kv)
    assert np.allclose(before["residual"][0], after["residual"][0], rtol=1e-3)
    assert not np.allclose(before["head_spec"][0], after["head_spec"][0], rtol=1e-1)


def test_explained_variance_of_a_rank_two_set() -> None:
    basis = torch.randn(2, 500)
    samples = torch.randn(30, 2) @ basis
    ratio = explained_variance(samples)
    assert ratio[:2].sum() == pytest.approx(1.0, abs=1e-6) and len(ratio) == 29


def test_gemma_pca_with_grouped_key_heads(embedded) -> None:
    result = qk_pca(embedded)
    curve = result.curves["residual"]
    assert (result.n_heads, result.n_kv_heads, result.qk_norm, result.rotary) == (4, 1, True, True)
    assert (curve.n_samples, curve.dim) == (72, 640 * 640)
    assert list(curve.at) == [5, 10, 20, 50] and 0 < curve.at[5] < curve.at[50] <= 1
    assert curve.at[20] > result.null["residual"].at[20] + 0.2  # far more shared structure than random weights
    assert result.null["residual"].within_layer_cosine < 0.05  # key-head sharing alone does not correlate heads


def test_small_model_reports_components_it_does_not_have_as_none(tiny_gpt2) -> None:
    result = qk_pca(tiny_gpt2)
    assert result.curves["residual"].n_samples == 8
    assert result.curves["residual"].at[50] is None and result.curves["residual"].at[5] is not None
