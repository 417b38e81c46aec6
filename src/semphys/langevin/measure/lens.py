"""Spec 000 section 4.5, lens switching: the same state read through different measurement operators.

Operators on the residual stream at each position of a real passage:
    sampling   the decoder's x^2 read-out: a token drawn from p = softmax(head(norm(h_L))), the model's own;
    lens_l     the logit lens at layer l: a token drawn from softmax(head(norm(h_l))) (nostalgebraist 2020).
How different two operators' readings are is measured as the probability that a draw from each agrees,
sum_v p_A(v) p_B(v) (`vocab.row_overlap`), against the spread of one operator: the probability that two
independent draws of the x^2 read-out agree, sum_v p(v)^2. Lens switching changes the reading when a
lens agrees with the read-out less often than the read-out agrees with itself. KL(p || q_lens) is reported
beside it. The argmax read-out is left out of the verdict: it agrees with a draw of p with probability
max_v p(v) >= sum_v p(v)^2 for every p, so "argmax differs from sampling less than sampling from itself"
is true by construction, not a finding.
"""

from collections.abc import Sequence

import numpy as np
import torch

from semphys.langevin.measure.vocab import row_kl, row_overlap
from semphys.lm import LM, logit_chunks, residuals_at

LENS_DEPTHS = (0.5, 0.75)
"""Logit-lens layers as fractions of the depth."""


def lens_layers(n_layers: int) -> list[int]:
    return sorted({min(n_layers - 1, max(1, round(f * n_layers))) for f in LENS_DEPTHS})


def lens_switching(lm: LM, passages: Sequence[torch.Tensor], start: int) -> dict:
    """Agreement and KL of the logit lenses with the x^2 read-out over positions start.. of `passages`."""
    layers = lens_layers(lm.facts.n_layers)
    final = lm.facts.n_layers
    within, between, kl = [], {layer: [] for layer in layers}, {layer: [] for layer in layers}
    for ids in passages:
        states = residuals_at(lm, ids[None], [*layers, final])
        # each read-out's logits once per passage ([T, vocab] float32: about 67 MB at T = 64 on Gemma)
        last = list(logit_chunks(lm, states[final][0, start:]))
        within.append(row_overlap(last, last))
        for layer in layers:
            lens = list(logit_chunks(lm, states[layer][0, start:]))
            between[layer].append(row_overlap(lens, last))
            kl[layer].append(row_kl(last, lens))
    return {
        "layers": layers,
        "sampling_self_agreement": float(np.mean(np.concatenate(within))),
        "lens_agreement": {str(layer): float(np.mean(np.concatenate(between[layer]))) for layer in layers},
        "kl_final_to_lens": {str(layer): float(np.mean(np.concatenate(kl[layer]))) for layer in layers},
        "per_passage_self_agreement": [float(np.mean(w)) for w in within],
        "per_passage_lens_agreement": {str(layer): [float(np.mean(b)) for b in between[layer]] for layer in layers},
    }
