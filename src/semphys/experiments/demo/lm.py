"""Demo section `lm`: the two embedded models, their facts, and what their residual streams look like.

Shows the reader the ground every experiment stands on: load times, model facts, where each target
word falls in the token stream, the growth of the residual norm across layers (Gemma's "massive
activations"), and the anisotropy that makes raw cosines misleading: the mean cosine between
different words (bank, bat, crane), raw and centred on the mean vector of a separate baseline of
unrelated words at the same layer (Ethayarajh 2019). The baseline is disjoint from the words
compared, so the centred value is a measurement, not the -1/(n-1) that centring a set on its own
mean would force.
"""

import matplotlib.pyplot as plt
import torch
from torch import Tensor

from semphys.experiments.demo.context import DemoContext
from semphys.lm import capture_residuals, load_lm
from semphys.phase.anisotropy import BASELINE

MODELS = ("embedded", "minilm")
# Spec 001's prompts (bank, bat, crane); the baseline of unrelated words is the phase suite's own
# (`semphys.phase.anisotropy.BASELINE`), so the demo centres on exactly what the experiments centre on.
SPLIT_EXAMPLE = (("We read about Quetzalcoatlus fossils in the museum", "Quetzalcoatlus"),)
"""A target split into several sub-tokens, shown in the token table only (not in any cosine)."""
PROBES = (
    ("The bank", "bank"),
    ("She deposited her savings at the bank", "bank"),
    ("The fish swam near the muddy bank of the river", "bank"),
    ("The bat hung upside down in the dark cave", "bat"),
    ("The baseball player picked up his wooden bat", "bat"),
    ("The white crane flew gracefully over the wetlands", "crane"),
    ("The construction crane lifted steel beams to the roof", "crane"),
)


def mean_cross_word_cosine(vectors: Tensor, words: list[str]) -> Tensor:
    """Mean cosine over pairs of different words, per layer. vectors: [n, L, d] -> [L]."""
    unit = torch.nn.functional.normalize(vectors, dim=-1).transpose(0, 1)  # [L, n, d]
    gram = unit @ unit.transpose(1, 2)
    different = torch.tensor([[a != b for b in words] for a in words])
    return gram[:, different].mean(dim=-1)


def run(ctx: DemoContext) -> None:
    ctx.config.update(models=list(MODELS), n_probes=len(PROBES), n_baseline=len(BASELINE), pooling="last")
    section = ctx.section
    listed = PROBES + BASELINE + SPLIT_EXAMPLE
    prompts, targets = [p for p, _ in listed], [t for _, t in listed]
    words = targets[: len(PROBES)]
    fig, (ax_norm, ax_cos) = plt.subplots(1, 2, figsize=(10, 3.8))
    facts_rows = []
    positions: list[dict] = []
    positions_caption = ""
    for spec in ctx.progress(MODELS, description="models"):
        ctx.log(f"loading {spec}")
        lm = load_lm(spec)
        facts = lm.facts
        facts_rows.append(
            {
                "model": spec,
                "architecture": facts.architecture,
                "layers": facts.n_layers,
                "d_model": facts.d_model,
                "heads (q/kv)": f"{facts.n_heads}/{facts.n_kv_heads}",
                "causal": facts.causal,
                "params (M)": facts.n_params / 1e6,
                "load (s)": lm.load_seconds,
            }
        )
        capture = capture_residuals(lm, prompts, targets)
        probes, baseline = capture.resid[: len(PROBES)], capture.resid[len(PROBES) : len(PROBES) + len(BASELINE)]
        depth = torch.arange(probes.shape[1]) / facts.n_layers
        ax_norm.plot(depth, capture.resid.norm(dim=-1).median(dim=0).values, marker="o", label=spec)
        raw = mean_cross_word_cosine(probes, words)
        centred = mean_cross_word_cosine(probes - baseline.mean(dim=0, keepdim=True), words)
        line = ax_cos.plot(depth, raw, marker="o", label=f"{spec} raw")[0]
        ax_cos.plot(depth, centred, marker="x", linestyle="--", color=line.get_color(), label=f"{spec} centred")
        if spec == MODELS[0]:
            positions = [
                {
                    "prompt": span.prompt,
                    "target": span.word,
                    "sub-tokens": " ".join(
                        lm.tokenizer.convert_ids_to_tokens([span.input_ids[i] for i in span.token_positions])
                    ),
                    "positions": list(span.token_positions),
                }
                for span in capture.targets
            ]
            positions_caption = (
                f"Where each target word falls in the {spec} token stream (the last sub-token is captured)"
            )
        if facts.note:
            section.text(facts.note)
    section.table(facts_rows, caption="Models: facts and load time (cached load).")
    ax_norm.set(yscale="log", xlabel="layer / n_layers", ylabel="median |residual|", title="Residual norm by depth")
    ax_cos.set(xlabel="layer / n_layers", ylabel="mean cosine, bank vs bat vs crane", title="Anisotropy")
    ax_cos.axhline(0, color="grey", linewidth=0.5)
    for ax in (ax_norm, ax_cos):
        ax.legend(fontsize=7)
    fig.tight_layout()
    ctx.figure(
        fig,
        "Left: the residual norm at the target word grows by orders of magnitude in Gemma's middle "
        "layers. Right: raw cosines between different words (bank, bat, crane) sit far above 0 "
        "(anisotropy); centring on the mean of a separate baseline of unrelated words at the same "
        "layer removes most of it. Compare sigma(l) only after such a correction.",
        "residual_stream",
    )
    section.table(positions, caption=positions_caption, folded=True)
