"""The capture rows of `semphys lm check`: `capture_residuals` and `token_states` against the model's own
unbatched `output_hidden_states` and `last_hidden_state`, and a padded batch against one prompt at a time.
"""

import re
from dataclasses import dataclass

import torch
from torch import Tensor

from semphys.evidence import Claim
from semphys.lm.capture import capture_residuals
from semphys.lm.check.rows import CheckConfig, check_claim, relative_difference
from semphys.lm.models.loading import LM
from semphys.lm.sequence import token_states
from semphys.lm.targets import locate_target


def _word_requests(texts: tuple[str, ...]) -> tuple[list[str], list[str], list[int]]:
    """Every word of every text as a (prompt, target, occurrence) request."""
    prompts, targets, occurrences = [], [], []
    for text in texts:
        seen: dict[str, int] = {}
        for word in re.findall(r"\w+", text):
            prompts.append(text)
            targets.append(word)
            occurrences.append(seen.get(word, 0))
            seen[word] = seen.get(word, 0) + 1
    return prompts, targets, occurrences


def _capture_all(lm: LM, prompts, targets, occurrences, final_norm: bool, batch_tokens: int) -> Tensor:
    """[n_requests, n_layers + 1, d_model]: one capture per occurrence index (capture takes one for all)."""
    out = torch.empty(len(prompts), lm.facts.n_layers + 1, lm.facts.d_model)
    for occurrence in sorted(set(occurrences)):
        chosen = [i for i, o in enumerate(occurrences) if o == occurrence]
        result = capture_residuals(
            lm,
            [prompts[i] for i in chosen],
            [targets[i] for i in chosen],
            final_norm=final_norm,
            batch_tokens=batch_tokens,
            occurrence=occurrence,
            progress=False,
        )
        out[chosen] = result.resid
    return out


HIDDEN_STATES_AFTER_BLOCKS = frozenset({"mamba"})
"""Models whose `output_hidden_states` lists each block's output and then the normed one, without the
embeddings (models/mamba/modeling_mamba.py MambaModel.forward): semphys's index l >= 1 is their l - 1."""


@dataclass
class _Reference:
    """The model's own unbatched forward over one text."""

    by_index: list[Tensor | None]
    """[L, d_model] per semphys layer index 0..n_layers; None where the model reports no raw stream (the last
    index, when its hidden states end with the normed one)."""
    last: Tensor
    """last_hidden_state [L, d_model]."""
    ids: list[int]


def _reference(lm: LM, text: str) -> _Reference:
    ids = lm.tokenizer(text, add_special_tokens=True)["input_ids"]
    tensor = torch.tensor([ids], device=lm.device)
    with torch.inference_mode():
        out = lm.body(input_ids=tensor, output_hidden_states=True, use_cache=False)
        embedded = lm.body.get_input_embeddings()(tensor)[0].float().cpu()
    hidden = [h[0].float().cpu() for h in out.hidden_states]
    last = out.last_hidden_state[0].float().cpu()
    n = lm.facts.n_layers
    if lm.facts.architecture in HIDDEN_STATES_AFTER_BLOCKS:
        by_index = [embedded, *hidden[: n - 1], None]
    else:
        by_index = hidden[:n] + [
            None if lm.layout.final_norm is not None and torch.equal(hidden[n], last) else hidden[n]
        ]
    return _Reference(by_index, last, ids)


def capture_rows(lm: LM, config: CheckConfig) -> list[Claim]:
    prompts, targets, occurrences = _word_requests(config.texts)
    unbatched = _capture_all(lm, prompts, targets, occurrences, final_norm=False, batch_tokens=1)
    normed = _capture_all(lm, prompts, targets, occurrences, final_norm=True, batch_tokens=1)
    batched = _capture_all(lm, prompts, targets, occurrences, final_norm=False, batch_tokens=4096)
    n = lm.facts.n_layers
    references = {text: _reference(lm, text) for text in config.texts}
    layer_error, norm_error, compared = 0.0, 0.0, set()
    for i, (prompt, word, occurrence) in enumerate(zip(prompts, targets, occurrences)):
        reference = references[prompt]
        position = locate_target(lm.tokenizer, prompt, word, occurrence).token_positions[-1]
        for layer, expected in enumerate(reference.by_index):
            if expected is not None:
                layer_error = max(layer_error, relative_difference(unbatched[i, layer], expected[position]))
                compared.add(layer)
        norm_error = max(norm_error, relative_difference(normed[i, n], reference.last[position]))
    where = f"layers {min(compared)}..{max(compared)}" + ("" if n in compared else f"; index {n} in the next row")
    shifted = (
        " (the model lists hidden states from block 0's output)"
        if (lm.facts.architecture in HIDDEN_STATES_AFTER_BLOCKS)
        else ""
    )
    rows = [
        check_claim(
            "capture = hidden states",
            "capture",
            layer_error,
            config.capture_tolerance,
            f"max relative difference, {len(prompts)} words x {where}, one prompt at a time{shifted}",
        ),
        check_claim(
            "final norm = last_hidden_state",
            "final_norm",
            norm_error,
            config.capture_tolerance,
            f"max relative difference at index {n} with final norm "
            f"{lm.layout.final_norm_path or 'none (the last block output is the output)'}",
        ),
        check_claim(
            "padded batch = unbatched",
            "padded_batch",
            relative_difference(batched, unbatched),
            config.batch_tolerance,
            f"max relative difference, {len(prompts)} words in length buckets with right padding",
        ),
    ]
    rows.append(_token_state_row(lm, config, references))
    return rows


def _token_state_row(lm: LM, config: CheckConfig, references: dict) -> Claim:
    n = lm.facts.n_layers
    layers = sorted({0, n // 2, n - 1})
    error = 0.0
    for layer in layers:
        states = token_states(lm, list(config.texts), layer, progress=False)
        for text, got, kept_ids in zip(config.texts, states.states, states.input_ids):
            reference = references[text]
            positions = _kept_positions(reference.ids, kept_ids, lm)
            error = max(error, relative_difference(got, reference.by_index[layer][positions]))
    return check_claim(
        "token states = hidden states",
        "token_states",
        error,
        config.batch_tolerance,
        f"max relative difference, every token of {len(config.texts)} texts, batched, at layers {', '.join(map(str, layers))}",
    )


def _kept_positions(ids: list[int], kept_ids: tuple[int, ...], lm: LM) -> list[int]:
    special = set(lm.tokenizer.all_special_ids)
    positions = [i for i, token in enumerate(ids) if token not in special]
    if [ids[i] for i in positions] != list(kept_ids):
        raise AssertionError("token_states returned other tokens than the tokenizer gives")  # a semphys bug
    return positions
