"""The next-token rows of `semphys lm check`: `next_token_distribution` against the log-softmax of the
model's logits, and the incremental (KV cache) decoder against one full forward over the same tokens.
"""

import torch
from torch import Tensor

from semphys.evidence import Claim
from semphys.lm.check.rows import CheckConfig, check_claim
from semphys.lm.logits import IncrementalDecoder, next_token_distribution
from semphys.lm.models.loading import LM

TOP1_TOLERANCE = 1.0
"""Greedy steps whose top-1 token may differ between incremental and full forward: fewer than one."""


def logit_rows(lm: LM, config: CheckConfig) -> list[Claim]:
    names = (
        ("next-token distribution = logits", "next_token", config.logprob_tolerance),
        ("incremental = full forward", "incremental", config.logprob_tolerance),
        ("incremental top-1 = full top-1", "incremental_top1", TOP1_TOLERANCE),
    )
    if not lm.facts.causal:
        return [
            check_claim(name, key, None, tolerance, "an encoder has no next-token distribution (refused by design)")
            for name, key, tolerance in names
        ]
    ids = lm.tokenizer(config.prompt, return_tensors="pt").input_ids
    result = next_token_distribution(lm, ids, top_k=config.top_k, ban_special=False)
    own = _full_log_probs(lm, ids)[-1]
    direct = float((result.log_probs[0] - own[result.token_ids[0]]).abs().max())
    same_order = bool(torch.equal(result.token_ids[0], own.topk(config.top_k).indices))
    decoder = IncrementalDecoder(lm, config.prompt, batch=1, ban_special=False)
    steps = []
    for _ in range(config.decode_steps):
        candidates = decoder.distribution(config.top_k)
        steps.append(candidates)
        decoder.append(candidates.token_ids[:, 0])
    full = _full_log_probs(lm, decoder.ids)[decoder.prompt_length - 1 : -1]
    difference, agree = 0.0, 0
    for step, candidates in zip(full, steps):
        ours = candidates.token_ids[0]
        difference = max(difference, float((candidates.log_probs[0] - step[ours]).abs().max()))
        gap = float(step.max() - step[ours[0]])
        agree += gap <= config.logprob_tolerance  # the same top-1, or a tie within float error
    differ = config.decode_steps - agree
    return [
        check_claim(
            names[0][0],
            names[0][1],
            direct,
            config.logprob_tolerance,
            f"max |log-probability difference| (nats), top-{config.top_k} after {ids.shape[1]} prompt tokens"
            + ("" if same_order else "; the order differs"),
        ),
        check_claim(
            names[1][0],
            names[1][1],
            difference,
            config.logprob_tolerance,
            f"max |log-probability difference| (nats), {config.decode_steps} greedy steps with the KV cache, "
            f"top-{config.top_k}",
        ),
        check_claim(
            names[2][0],
            names[2][1],
            differ,
            TOP1_TOLERANCE,
            f"greedy steps whose top-1 differs: {differ} of "
            f"{config.decode_steps} (a tie within {config.logprob_tolerance} nats agrees)",
        ),
    ]


def _full_log_probs(lm: LM, ids: Tensor) -> Tensor:
    """log-softmax of the model's logits over one unbatched forward: [L, vocab] float64."""
    with torch.inference_mode():
        logits = lm.model(input_ids=ids.to(lm.device), use_cache=False).logits[0]
    return torch.log_softmax(logits.to("cpu", torch.float64), dim=-1)
