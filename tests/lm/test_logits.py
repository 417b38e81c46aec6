"""Next-token distributions and sequence log-probabilities: against the model's own softmax, the
incremental (KV-cache) numbers against a one-pass re-scoring, and the errors a user can make."""

import pytest
import torch

from semphys.core.errors import UserError
from semphys.lm import IncrementalDecoder, next_token_distribution, sequence_log_probs
from semphys.lm.logits import banned_special_ids

# Tolerances of the incremental (KV cache) log-probabilities against a one-pass re-scoring, derived
# rather than tuned. Both paths compute the same function; they differ only in the order of float
# summations (a 1-token matmul against a cache, or one matmul over the whole text). A dot product of
# n terms in a different order differs by at most about n u sum|terms| (Higham's gamma_n; u the unit
# roundoff); a log-probability is a chain of about 4 such products per layer plus the LM head and a
# log-sum-exp, so its error is of order (4 L + 2) n u |logit|:
#   tiny GPT-2 run in float64 (u = 1.1e-16; L = 2, n <= 128, |logit| < 10): about 1e-12; bound 1e-10.
#   Gemma-3-270M in float32 (u = 6e-8; L = 18, n <= 2048 terms but random-walk cancellation, observed
#   8e-6 by `semphys lm check`): bound 1e-3, a hundred times the observed.
# A real bug (a cache that drops a position, a position id off by one) moves log-probabilities by O(0.1-1).
MODELS = [("embedded", 1e-3), ("tiny_gpt2_f64", 1e-10)]


@pytest.fixture(scope="module")
def tiny_gpt2_f64(tiny_gpt2_dir):
    """The tiny GPT-2 in float64: its rounding is far below any bug, so the bound can be tight."""
    from semphys.lm import load_lm

    return load_lm(str(tiny_gpt2_dir), dtype=torch.float64)


@pytest.mark.parametrize(("fixture", "tolerance"), MODELS)
def test_top_k_is_the_models_softmax_restricted_and_renormalised(fixture: str, tolerance: float, request) -> None:
    lm = request.getfixturevalue(fixture)
    ids = lm.tokenizer("The river bank", return_tensors="pt").input_ids
    result = next_token_distribution(lm, ids, top_k=8)
    with torch.no_grad():
        logits = lm.model(input_ids=ids).logits[0, -1].double()
    full = torch.log_softmax(logits, dim=-1)  # the full softmax: special tokens are left out after it
    allowed = full.clone()
    allowed[banned_special_ids(lm)] = float("-inf")
    values, order = allowed.topk(8)
    assert torch.equal(result.token_ids[0], order)
    assert torch.allclose(result.log_probs[0], full[order], atol=1e-5)
    assert torch.allclose(result.probs[0], torch.softmax(values, -1), atol=1e-6)
    assert float(result.probs.sum()) == pytest.approx(1.0)
    assert (result.probs[0, :-1] >= result.probs[0, 1:]).all()
    assert 0 < float(result.top_k_mass[0]) <= 1
    assert not torch.isin(result.token_ids, banned_special_ids(lm)).any()


@pytest.mark.parametrize(("fixture", "tolerance"), MODELS)
def test_incremental_log_probs_equal_one_pass_rescoring(fixture: str, tolerance: float, request) -> None:
    lm = request.getfixturevalue(fixture)
    decoder = IncrementalDecoder(lm, "The river bank", batch=2)
    chosen = []
    for step in range(3):
        candidates = decoder.distribution(top_k=5)
        pick = torch.tensor([0, 4])  # the rows take different candidates
        chosen.append(candidates.log_probs[torch.arange(2), pick])
        decoder.append(candidates.token_ids[torch.arange(2), pick])
    incremental = torch.stack(chosen, dim=1)
    rescored = sequence_log_probs(lm, decoder.ids)[:, decoder.prompt_length - 1 :]
    assert decoder.generated().shape == (2, 3)
    assert torch.allclose(incremental, rescored, atol=tolerance)


def test_errors_are_user_errors(tiny_gpt2, minilm) -> None:
    ids = tiny_gpt2.tokenizer("a b", return_tensors="pt").input_ids
    with pytest.raises(UserError, match="top_k = 1 is not allowed"):
        next_token_distribution(tiny_gpt2, ids, top_k=1)
    with pytest.raises(UserError, match="empty prompt"):
        IncrementalDecoder(tiny_gpt2, "  ", batch=1)
    with pytest.raises(UserError, match="length >= 2 to score"):
        sequence_log_probs(tiny_gpt2, ids[:, :1])
    with pytest.raises(UserError, match="is an encoder"):
        next_token_distribution(minilm, [[101, 102]], top_k=4)
