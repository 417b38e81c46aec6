"""Phase 1 that does not collapse: fixed-point learning with a predictive objective (our method).

Why the spec's Phase 1 collapses (measured in `tests/cvfp/test_stage1.py` and the README): both of
its losses are minimised by any F that returns its input context, F(c, e) = c, and its
distribution term carries no gradient; the spec's initialisation (weights N(0, 0.05), full
LayerNorm) already sits at that solution (identity cosine 0.988 before training on our data), so
Phase 1 has nothing pushing it away. Per-dimension mean/variance matching could not detect an
identity map even with a gradient (NOTES.md).

The fix measured to work: make the contexts *predict* the next token while they learn the fixed
point. On windows of real text, from c_0 = 0,

    L = CE(token_output(c_t), x_{t+1}) + lambda MSE(C_2, C_1[:span])

C_1 is the window's pass from c_0 = 0 (backpropagation through the window), C_2 a second pass over
the first `span` tokens started from C_1's last context: the spec's corrected loss (提案1) on the
window. (Past the first few tokens a contracting recurrence has forgotten its start and both passes
agree, so the second pass stops after `span` tokens: same term, a quarter of its cost at span 8.) The
identity map cannot predict anything, so the cross-entropy drives F away from it (token
dependency); the fixed-point term asks the recurrence to forget where it started, i.e. to be a
contraction, so the same contexts are reached from any start (the fixed point) and the parallel
solvers converge in a few sweeps. `semphys cvfp train --method predictive` (the default).
"""

import torch
import torch.nn.functional as F

from semphys.cvfp.model import CVFPModel
from semphys.textlm.batches import Batch
from semphys.textlm.objective import token_nll


def predictive_loss(
    model: CVFPModel, batch: Batch, fixed_point_weight: float, span: int = 8
) -> tuple[torch.Tensor, dict[str, float]]:
    """CE of the next token from the contexts + `fixed_point_weight` x the two-pass fixed-point MSE."""
    embeds = model.embed(batch.inputs)
    first = model.contexts(embeds)
    ce = token_nll(model.token_output(first), batch.targets).mean()
    metrics = {"ce": float(ce.detach())}
    loss = ce
    if fixed_point_weight > 0:
        second = model.contexts(embeds[:, :span], first[:, -1])
        fixed_point = F.mse_loss(second, first[:, :span])
        loss = loss + fixed_point_weight * fixed_point
        metrics["fixed_point"] = float(fixed_point.detach())
    return loss, metrics
