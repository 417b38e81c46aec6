"""Training stage 2 (spec 004's "Phase 2", its phase2.py): next-token prediction from stage 1's contexts.

The context recurrence is frozen (the spec's `freeze_context`); only the read-out `token_output`
(context -> vocabulary logits) trains, on windows of the training stream from c_0 = 0, with the
next-token cross-entropy. Frozen contexts are computed by the block-Jacobi solver (no gradient
needed through them), which gives the sequential loop's contexts to within its tolerance.
"""

import torch

from semphys.cvfp.model import CVFPModel
from semphys.cvfp.parallel import parallel_contexts
from semphys.textlm.batches import Batch
from semphys.textlm.objective import token_nll


def freeze_context(model: CVFPModel) -> list[torch.nn.Parameter]:
    """Make only `token_output` trainable; returns its parameters."""
    for p in model.parameters():
        p.requires_grad_(False)
    head = list(model.token_output.parameters())
    for p in head:
        p.requires_grad_(True)
    return head


def phase2_loss(model: CVFPModel, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
    """Next-token cross-entropy of the head on frozen contexts."""
    with torch.no_grad():
        contexts, _ = parallel_contexts(model, model.embed(batch.inputs))
    ce = token_nll(model.token_output(contexts), batch.targets).mean()
    return ce, {"ce": float(ce.detach())}
