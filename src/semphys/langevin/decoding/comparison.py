"""The Langevin decoder against greedy and temperature sampling on a fixed prompt set (spec 000 §4.3, 4.4).

`compare_decoders` generates from every prompt with every decoder and reports, per decoder:
repetition rate (seq-rep-4), distinct-1 and distinct-2 (within a continuation) and distinct-2 pooled
over all continuations, the model's own perplexity of the text,
the mean probability q and rank of the chosen candidates, and the seconds its choosing took beyond the
model forward that every decoder shares (the dynamics; about 0 for greedy and sampling). `DEFAULT_PROMPTS`
is the fixed set; `default_decoders` the methods compared in the demo and by
`semphys langevin generate --compare`.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from semphys.langevin.decoding.coupling import TokenDynamics
from semphys.langevin.decoding.decoders import Decoder, Generation, Greedy, LangevinDecoder, TopKSampling, generate
from semphys.langevin.decoding.textmetrics import distinct_n, distinct_n_pooled, perplexity, repetition_rate
from semphys.lm import LM

DEFAULT_PROMPTS: tuple[str, ...] = (
    "The old lighthouse keeper",
    "In the middle of the night, the",
    "Scientists have discovered that",
    "My favourite thing about winter is",
    "The history of the city begins",
    "She opened the letter and",
    "The recipe calls for",
    "When the train finally arrived,",
)


def default_decoders(n_steps: int = 150, dt: float = 0.04) -> list[Decoder]:
    """Greedy, sampling at T = 0.7 and 1, and four Langevin variants (see the names)."""
    common = {"n_steps": n_steps, "dt": dt}
    return [
        Greedy(),
        TopKSampling(0.7),
        TopKSampling(1.0),
        LangevinDecoder(TokenDynamics(temperature_end=0.02, **common), name="langevin T=0.02"),
        LangevinDecoder(
            TokenDynamics(temperature_melt=1.0, temperature_end=0.02, **common), name="langevin anneal 1->0.02"
        ),
        LangevinDecoder(
            TokenDynamics(temperature_end=0.02, read_out="fep", fep_tau=1.0, temperature_melt=1.0, **common),
            name="langevin anneal, FEP read-out",
        ),
        LangevinDecoder(
            TokenDynamics(landscape="wells", temperature_melt=2.0, temperature_end=0.3, **common),
            name="langevin wells anneal 2->0.3",
        ),
    ]


@dataclass
class Comparison:
    """Per-decoder metrics and every generation."""

    rows: list[dict]
    generations: list[Generation]
    prompts: list[str]
    n_tokens: int
    top_k: int
    samples: int
    seed: int
    seconds: float
    """The whole comparison: every decode, model forwards included."""


def summarise(generations: Sequence[Generation], decoders: Sequence[Decoder], seconds: dict[str, float]) -> list[dict]:
    rows = []
    for decoder in decoders:
        mine = [g for g in generations if g.decoder == decoder.name]
        steps = [s for g in mine for s in g.steps]
        rows.append(
            {
                "decoder": decoder.name,
                "repetition (seq-rep-4)": repetition_rate([g.token_ids for g in mine]),
                "distinct-1": distinct_n([g.token_ids for g in mine], 1),
                "distinct-2": distinct_n([g.token_ids for g in mine], 2),
                "distinct-2 pooled": distinct_n_pooled([g.token_ids for g in mine], 2),
                "perplexity": perplexity([g.log_probs for g in mine]),
                "mean q of choice": sum(s["q"] for s in steps) / len(steps),
                "mean entropy of q": sum(s["entropy_q"] for s in steps) / len(steps),
                "mean rank": sum(s["rank"] for s in steps) / len(steps),
                "dynamics seconds": seconds.get(decoder.name, 0.0),
            }
        )
    return rows


def compare_decoders(
    lm: LM,
    prompts: Sequence[str] = DEFAULT_PROMPTS,
    decoders: Sequence[Decoder] | None = None,
    n_tokens: int = 24,
    top_k: int = 16,
    samples: int = 1,
    seed: int = 0,
    progress: Callable[[int, str], None] | None = None,
) -> Comparison:
    """Generate `n_tokens` from every prompt with every decoder and summarise (see module docstring).

    Each prompt is one batched decode (all decoders and samples together), seeded with seed + i.
    Time per decoder counts its own dynamics only; `Comparison.seconds` is the whole decode.
    """
    decoders = list(decoders) if decoders is not None else default_decoders()
    generations: list[Generation] = []
    seconds = {d.name: 0.0 for d in decoders}
    total = 0.0
    for i, prompt in enumerate(prompts):
        if progress is not None:
            progress(i, prompt)
        start = time.perf_counter()
        out = generate(lm, prompt, decoders, n_tokens, top_k=top_k, samples=samples, seed=seed + i)
        total += time.perf_counter() - start
        for d in decoders:
            seconds[d.name] += sum(s.get("dynamics_seconds", 0.0) for g in out if g.decoder == d.name for s in g.steps)
        generations += out
    return Comparison(
        rows=summarise(generations, decoders, seconds),
        generations=generations,
        prompts=list(prompts),
        n_tokens=n_tokens,
        top_k=top_k,
        samples=samples,
        seed=seed,
        seconds=total,
    )


def temperature_probe(
    q, temperatures: Sequence[float], n_particles: int = 4000, seed: int = 0, n_steps: int = 150, dt: float = 0.04
) -> list[dict]:
    """KL(token law || q) against the end temperature, for each way of turning q into a token.

    (This direction stays finite when a crystallisation never picks some candidate, e.g. argmax.)

    Methods: Langevin end state sampled by x^2 (with the closed form (1 - eps) q + eps/k), the same
    after an anneal from T = 1, the FEP read-out, argmax crystallisation, the wells landscape
    annealed from 2 T, and ordinary softmax sampling q^(1/T) (exact) for reference.
    """
    import torch

    from semphys.langevin.decoding.coupling import induced_distribution, kl_divergence
    from semphys.langevin.sde import theory

    q = torch.as_tensor(q, dtype=torch.float64)
    common = {"n_steps": n_steps, "dt": dt}
    rows = []
    for temperature in temperatures:
        variants = {
            "langevin, end state ~ x^2": TokenDynamics(temperature_end=temperature, **common),
            "langevin, anneal from T=1": TokenDynamics(
                temperature_melt=max(1.0, temperature), temperature_end=temperature, **common
            ),
            "langevin, FEP read-out": TokenDynamics(temperature_end=temperature, read_out="fep", fep_tau=1.0, **common),
            "langevin, argmax": TokenDynamics(temperature_end=temperature, crystallize="argmax", **common),
            "wells, anneal from 2T": TokenDynamics(
                landscape="wells", temperature_melt=2 * temperature, temperature_end=temperature, **common
            ),
        }
        for method, dynamics in variants.items():
            p = induced_distribution(q, dynamics, n_particles, seed)
            row = {"method": method, "temperature": temperature, "kl": kl_divergence(p, q)}
            if method == "langevin, end state ~ x^2":
                row["kl_theory"] = kl_divergence(theory.induced_distribution(q, dynamics.kappa / temperature), q)
            rows.append(row)
        softmax = torch.softmax(q.log() / temperature, dim=-1)
        rows.append({"method": "softmax sampling q^(1/T)", "temperature": temperature, "kl": kl_divergence(softmax, q)})
    return rows
