"""Generating text with the spec 000 §4.4 cycle, and with the ordinary decoders it is compared against.

Every decoder picks among the same candidates: the model's top-k next tokens (special tokens
banned, so every row runs the full length). So a comparison isolates how a token is chosen, not
which tokens are allowed:

    Greedy              the most probable candidate (temperature 0).
    TopKSampling(T)     a candidate with probability proportional to q_i^(1/T).
    LangevinDecoder     the dynamics of `semphys.langevin.decoding.coupling` (melt, guide, crystallise).

`generate` runs several decoders side by side on one prompt: every (decoder, sample) pair is one row
of a single batched KV-cache decode (`semphys.lm.IncrementalDecoder`), so all rows share the prompt
and the model runs once per step. Each row records its tokens, the model's full-softmax
log-probability of each (for perplexity) and a per-step log.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.core.threads import torch_threads
from semphys.langevin.decoding.coupling import TokenDynamics, carry_over, run_token_dynamics
from semphys.langevin.sde.integration import DEFAULT_THREADS
from semphys.lm import LM, IncrementalDecoder, NextTokens


class Decoder:
    """Chooses one candidate per row; may keep state across steps (reset per generation)."""

    name: str = "decoder"

    def reset(self, rows: int) -> None:
        pass

    def choose(self, candidates: NextTokens, generator: torch.Generator) -> tuple[Tensor, list[dict]]:
        """candidates: the rows of this decoder. Returns the chosen column [b] and one log dict per row."""
        raise NotImplementedError

    def describe(self) -> dict:
        return {"name": self.name}


class Greedy(Decoder):
    name = "greedy"

    def choose(self, candidates: NextTokens, generator: torch.Generator) -> tuple[Tensor, list[dict]]:
        return torch.zeros(candidates.probs.shape[0], dtype=torch.long), [{} for _ in range(candidates.probs.shape[0])]


class TopKSampling(Decoder):
    """Ordinary temperature sampling over the top-k candidates: p_i ~ q_i^(1/T)."""

    def __init__(self, temperature: float) -> None:
        if not temperature > 0:
            raise UserError(f"sampling temperature {temperature} must be > 0 (use greedy for 0)")
        self.temperature = float(temperature)
        self.name = f"sampling T={self.temperature:g}"

    def choose(self, candidates: NextTokens, generator: torch.Generator) -> tuple[Tensor, list[dict]]:
        weights = torch.softmax(candidates.probs.log() / self.temperature, dim=-1)
        index = torch.multinomial(weights, 1, generator=generator)[:, 0]
        return index, [{} for _ in range(len(index))]

    def describe(self) -> dict:
        return {"name": self.name, "temperature": self.temperature}


class LangevinDecoder(Decoder):
    """One run of the token dynamics per generated token (spec 000 §4.4); keeps the previous state (the rut)."""

    def __init__(self, dynamics: TokenDynamics, name: str | None = None, steer_token_ids: Sequence[int] = ()) -> None:
        self.dynamics = dynamics
        self.name = name or "langevin"
        self.steer = torch.tensor(sorted(set(steer_token_ids)), dtype=torch.long)
        self._prev_ids: Tensor | None = None
        self._prev_x: Tensor | None = None

    def reset(self, rows: int) -> None:
        self._prev_ids = self._prev_x = None

    def choose(self, candidates: NextTokens, generator: torch.Generator) -> tuple[Tensor, list[dict]]:
        ids, q = candidates.token_ids, candidates.probs
        steer = None
        if self.steer.numel():
            steer = torch.isin(ids, self.steer).to(torch.float64)
        rut = None
        if self._prev_ids is not None:
            rut = carry_over(self._prev_ids, self._prev_x, ids)
        start = time.perf_counter()
        step = run_token_dynamics(q, self.dynamics, generator, steer=steer, rut=rut)
        seconds = time.perf_counter() - start
        self._prev_ids, self._prev_x = ids, step.x
        rows = []
        for i in range(len(step.index)):
            rows.append(
                {
                    "bhattacharyya_end": float(step.bhattacharyya[i]),
                    "bhattacharyya_fep": None if step.fep_bhattacharyya is None else float(step.fep_bhattacharyya[i]),
                    "rut_overlap": None if rut is None else float(rut[i].norm()),
                    "steering_candidates": 0 if steer is None else int(steer[i].sum()),
                    "lambda_mean": step.lambda_mean,
                    "dynamics_seconds": seconds / len(step.index),
                }
            )
        return step.index, rows

    def describe(self) -> dict:
        return {"name": self.name, **self.dynamics.to_dict(), "steer_tokens": self.steer.tolist()}


@dataclass
class Generation:
    """One generated continuation."""

    decoder: str
    sample: int
    prompt: str
    text: str
    token_ids: list[int]
    log_probs: list[float]
    """The model's full-softmax log-probability of each generated token (prompt and earlier tokens as context)."""
    steps: list[dict] = field(default_factory=list)
    """Per generated token: the token, its candidate rank and q, entropy of q, top-k mass, and the decoder's log."""


def generate(
    lm: LM,
    prompt: str,
    decoders: Sequence[Decoder],
    n_tokens: int,
    top_k: int = 16,
    samples: int = 1,
    seed: int = 0,
    on_step: Callable[[int], None] | None = None,
    threads: int | None = DEFAULT_THREADS,
) -> list[Generation]:
    """Continue `prompt` by `n_tokens` tokens with each decoder, `samples` times each, in one batch.

    threads: torch threads for the whole generation (default 1: on our shared 2-core machines one
    decoding step of Gemma-3-270M took 0.28 s with 1 thread and 1.4 s with 2 under load; None
    leaves torch's setting).
    """
    with torch_threads(threads):
        return _generate(lm, prompt, decoders, n_tokens, top_k, samples, seed, on_step)


def _generate(
    lm: LM,
    prompt: str,
    decoders: Sequence[Decoder],
    n_tokens: int,
    top_k: int,
    samples: int,
    seed: int,
    on_step: Callable[[int], None] | None,
) -> list[Generation]:
    if n_tokens < 1:
        raise UserError(f"n_tokens = {n_tokens}: generate at least one token")
    if samples < 1:
        raise UserError(f"samples = {samples}: generate at least one sample per decoder")
    if not decoders:
        raise UserError("no decoder given")
    names = [d.name for d in decoders]
    if len(set(names)) != len(names):
        raise UserError(f"decoder names must be distinct, got {names}")
    generator = torch.Generator().manual_seed(seed)
    rows = len(decoders) * samples
    decode = IncrementalDecoder(lm, prompt, rows)
    for decoder in decoders:
        decoder.reset(samples)
    log_probs: list[list[float]] = [[] for _ in range(rows)]
    steps: list[list[dict]] = [[] for _ in range(rows)]
    for position in range(n_tokens):
        candidates = decode.distribution(top_k)
        chosen = torch.empty(rows, dtype=torch.long)
        entropy = -(candidates.probs * candidates.probs.log()).sum(-1)
        for j, decoder in enumerate(decoders):
            block = slice(j * samples, (j + 1) * samples)
            part = NextTokens(
                candidates.token_ids[block],
                candidates.probs[block],
                candidates.log_probs[block],
                candidates.top_k_mass[block],
            )
            index, logs = decoder.choose(part, generator)
            chosen[block] = index
            for i, log in enumerate(logs):
                r = j * samples + i
                steps[r].append(
                    {
                        "position": position,
                        "rank": int(index[i]),
                        "token": lm.tokenizer.decode([int(part.token_ids[i, index[i]])]),
                        "q": float(part.probs[i, index[i]]),
                        "entropy_q": float(entropy[r]),
                        "top_k_mass": float(part.top_k_mass[i]),
                        **log,
                    }
                )
        rows_ix = torch.arange(rows)
        tokens = candidates.token_ids[rows_ix, chosen]
        for r in range(rows):
            log_probs[r].append(float(candidates.log_probs[r, chosen[r]]))
        decode.append(tokens)
        if on_step is not None:
            on_step(position)
    generated = decode.generated()
    out = []
    for j, decoder in enumerate(decoders):
        for s in range(samples):
            r = j * samples + s
            ids = generated[r].tolist()
            out.append(
                Generation(
                    decoder=decoder.name,
                    sample=s,
                    prompt=prompt,
                    text=lm.tokenizer.decode(ids),
                    token_ids=ids,
                    log_probs=log_probs[r],
                    steps=steps[r],
                )
            )
    return out


def steering_token_ids(tokenizer, text: str) -> list[int]:
    """The steering set of a steering text: its tokens, and each word's tokens with and without a
    leading space (a word starts a token differently mid-sentence). Used as a bag of tokens."""
    words = text.split()
    if not words:
        raise UserError("empty steering text: give some words")
    ids: set[int] = set(tokenizer(text, add_special_tokens=False).input_ids)
    for word in words:
        for variant in (word, " " + word):
            ids.update(tokenizer(variant, add_special_tokens=False).input_ids)
    return sorted(ids)
