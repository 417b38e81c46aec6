"""Write the docs notebooks (docs/notebooks/*.ipynb) from the cell sources below, unexecuted.

Run `python scripts/make_notebooks.py` after editing a cell here; `make test` executes every
notebook on the embedded models (tests/docs/test_notebooks.py).
"""

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parents[1] / "docs" / "notebooks"

SIGMA = [
    (
        "md",
        """# Residuals and the order parameter sigma(l)

Spec 001 (semantic phase transitions, spec 001 §2-3) defines, for an ambiguous word in a prompt,
the order parameter across layers

$$\\sigma(l) = \\cos(\\phi(l), e_A) - \\cos(\\phi(l), e_B),$$

where $\\phi(l)$ is the residual stream at the word at layer $l$ and $e_A$, $e_B$ are the
directions of its two senses. This notebook captures the residuals of Gemma-3-270M (the embedded
model: 18 layers, from its PyPI package) for the built-in word *bank*, draws sigma(l) for each of spec 001's prompts, and fits the spec's Landau
(second-order), tanh and step forms to one curve.""",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt
import numpy as np

from semphys.lm import capture_residuals, load_lm
from semphys.phase import builtin_word, fit_all, order_parameter, sense_direction

lm = load_lm("embedded")
bank = builtin_word("bank")
print(lm.facts.spec, lm.facts.n_layers, "layers; senses", bank.senses)""",
    ),
    (
        "md",
        """Capture the residual stream at the target word, at every layer index 0..L (index 0 is the
embedding, index l the output of block l - 1). Each sense direction is the normalised mean of its
five anchor sentences' vectors, per layer.""",
    ),
    (
        "code",
        """def resid(texts):
    return capture_residuals(lm, texts, [bank.word] * len(texts)).resid.numpy()  # [n, L + 1, d]

e_a, e_b = (sense_direction(resid(list(bank.anchors[sense]))) for sense in bank.senses)
sigma = order_parameter(resid([p.text for p in bank.prompts]), e_a, e_b, "per-layer")
sigma.shape""",
    ),
    (
        "code",
        """layers = np.arange(sigma.shape[1])
fig, ax = plt.subplots(figsize=(6, 3.5))
for prompt, curve in zip(bank.prompts, sigma):
    ax.plot(layers, curve, marker="o", label=f"{prompt.label} ({prompt.sense or 'ambiguous'})")
ax.axhline(0, color="grey", lw=0.5)
ax.set(xlabel="layer l", ylabel="sigma(l)", title="bank, Gemma-3-270M (raw residuals)")
ax.legend(fontsize=7)
plt.show()""",
    ),
    (
        "md",
        """Fit the three forms of spec 001 exp. 2 to the strongest declared prompt (layer 0 left out, as
semphys's verdict does), and let AICc choose. The verdict itself (`semphys phase run`) adds the
anisotropy correction, bootstrap intervals, nulls and the evidence rule.""",
    ),
    (
        "code",
        """strongest = int(np.argmax(np.abs(sigma[:, -1])))
selection = fit_all(layers[1:], sigma[strongest, 1:])
for kind, fit in selection.fits.items():
    print(f"{kind:>12}: R^2 {fit.r2:.3f}  AICc {fit.aicc:8.2f}  params {fit.params}")
print("selected:", selection.best)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(layers[1:], sigma[strongest, 1:], "ko", label=bank.prompts[strongest].label)
grid = np.linspace(1, layers[-1], 100)
for kind, fit in selection.fits.items():
    ax.plot(grid, fit.predict(grid), label=kind)
ax.set(xlabel="layer l", ylabel="sigma(l)")
ax.legend(fontsize=7)
plt.show()""",
    ),
]

LANGEVIN = [
    (
        "md",
        """# The Langevin equation on the sphere

Spec 000 (spec 000 §2-3) writes inference as constrained Langevin dynamics of a unit vector $x$:

$$m\\ddot x + \\eta \\dot x = -\\nabla U(x) + \\lambda x + \\sqrt{2\\eta T}\\,\\xi(t), \\qquad |x| = 1.$$

With the linear potential $U = -\\kappa\\, \\mu \\cdot x$ the stationary law is von Mises-Fisher with
concentration $\\beta\\kappa$ ($\\beta = 1/T$), whose mean resultant length is
$A_d(\\beta\\kappa) = I_{d/2}(\\beta\\kappa) / I_{d/2 - 1}(\\beta\\kappa)$. This notebook simulates
the overdamped equation with `semphys.langevin.simulate` and checks it against that closed form.""",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt
import numpy as np
import torch

from semphys.langevin import LangevinSystem, LinearPotential, simulate, uniform_on_sphere
from semphys.langevin.sde.theory import mean_resultant_length

d = 8
mu = torch.zeros(d, dtype=torch.float64)
mu[0] = 1.0""",
    ),
    (
        "code",
        """rows = []
for kappa in (0.5, 2.0, 8.0):
    system = LangevinSystem(LinearPotential(mu, kappa), friction=1.0, temperature=1.0)
    x0 = uniform_on_sphere(4096, d, generator=torch.Generator().manual_seed(0))
    run = simulate(system, x0, dt=0.01, n_steps=1500, seed=1, log_lambda=False)
    measured = float((run.x @ mu).mean())
    rows.append((kappa, measured, mean_resultant_length(d, kappa)))
    print(f"beta kappa {kappa:4}: E[mu.x] = {measured:.4f}   A_d = {rows[-1][2]:.4f}")""",
    ),
    (
        "code",
        """kappas = np.linspace(0.05, 10, 100)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(kappas, [mean_resultant_length(d, k) for k in kappas], label="A_d(beta kappa), closed form")
ax.plot([r[0] for r in rows], [r[1] for r in rows], "o", label="simulated, 4096 particles")
ax.set(xlabel="beta kappa", ylabel="E[mu . x]", title=f"von Mises-Fisher on S^{d - 1}")
ax.legend()
plt.show()
assert all(abs(m - e) < 0.02 for _, m, e in rows)""",
    ),
]

READOUT = [
    (
        "md",
        """# A held-out sense readout on a handful of words

Where in the layers does a word's sense become readable (spec 001 §1 asks for sigma(l); the
readout asks the simpler question whether the sense can be read at all)? For each WordNet noun
with two senses in different lexicographer files, the directions come from text that is never
scored (each sense's gloss, the `gloss` design) and the items are WordNet's own example sentences.
Each item is read out at every layer by its nearest sense direction. Two nulls (random directions,
and the same readout with the sense labels shuffled within each word) say what chance looks like
at the same sample size; the claims are decided by `semphys.evidence`.

Eight words on all-MiniLM-L6-v2 here; `semphys phase readout --all` does about a thousand.""",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown

from semphys.evidence import Claim, markdown_table
from semphys.experiments.phase.readout import ReadoutConfig
from semphys.experiments.phase.readout_models import build_items, run_models
from semphys.experiments.phase.readout_results import readout_document

config = ReadoutConfig(models=("minilm",), n_words=8, n_null=200, n_bootstrap=200)
items = build_items(config)
print(len(items.words), "words:", ", ".join(word.lemma for word in items.words))""",
    ),
    (
        "code",
        """runs = run_models(items, config)
document = readout_document(items, runs, config)
model = document["models"][0]
row = next(r for r in model["readout"] if (r["design"], r["variant"], r["metric"], r["subset"])
           == ("gloss", "per-layer/standardised", "kway", "sighted"))
print(model["n_items"], "items;", "first layer above both nulls:", row["first_above_null"])""",
    ),
    (
        "code",
        """layers = np.array(model["layers"])
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(layers, row["accuracy"], "o-", label="held-out accuracy")
ax.fill_between(layers, row["ci_low"], row["ci_high"], alpha=0.25, label="95% interval (words resampled)")
for name, style in (("null_random", ":"), ("null_shuffled", "--")):
    ax.plot(layers, row[name]["p95"], style, color="grey", label=f"{name.removeprefix('null_')} null, p95")
ax.set(xlabel="layer l", ylabel="accuracy", title="gloss directions, nearest sense, MiniLM")
ax.legend(fontsize=7)
plt.show()""",
    ),
    (
        "md",
        """The claims of this run, decided together (Holm over the findings). At eight words most rows
cannot hold: the table states each null's draws and the smallest p they allow.""",
    ),
    ("code", """Markdown(markdown_table([Claim.from_dict(claim) for claim in document["claims"]]))"""),
]

NOTEBOOKS = {"01-sigma.ipynb": SIGMA, "02-langevin.ipynb": LANGEVIN, "03-readout.ipynb": READOUT}


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src) for kind, src in cells
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(notebook(cells), HERE / name)
        print(HERE / name)


if __name__ == "__main__":
    main()
