"""Demo section `phase`: spec 001 on the built-in words (bank, bat, crane), Gemma-3-270M and MiniLM.

Runs `semphys.experiments.phase.run.run_phase` exactly as `semphys phase run --model embedded --model minilm` does
(activations cached under the semphys cache, so a second demo forwards nothing) and fills the section
with the same blocks as the CLI's report (`semphys.experiments.phase.report.fill_report`), one titled part per
experiment. The run's results.json and figures stay in the section's directory.

Then spec 001 at WordNet scale at demo size: `semphys.experiments.phase.wordnet.run`, the code of
`semphys phase run --all`, on the first `N_WORDS` usable nouns with fewer draws (`DEMO_SETTINGS`); its
answer in spec 001's three outcomes and its numbers are shown, and its results.json, figures and
report.html stay in `wordnet/` of the section's directory. Its claims are shown in the section, not added
to the demo's findings table (they are a subset's, decided in their own document).
"""

from dataclasses import replace

from semphys.core.io import write_text_atomic
from semphys.evidence import claim_table
from semphys.experiments.demo.context import DemoContext
from semphys.experiments.phase.plots import make_figures
from semphys.experiments.phase.report import fill_report
from semphys.experiments.phase.results import to_json
from semphys.experiments.phase.run import run_phase
from semphys.experiments.phase.wordnet import WordnetRunConfig
from semphys.experiments.phase.wordnet import run as run_wordnet
from semphys.experiments.phase.wordnet_report import document_claims, numbers_table
from semphys.phase import BUILTIN, PhaseConfig, Suite
from semphys.phase.scale import ScaleSettings

MODELS = ("embedded", "minilm")
N_WORDS = 8
"""WordNet nouns of the demo's WordNet-scale part (the full run: every usable noun, 1,068)."""
DEMO_SETTINGS = ScaleSettings(n_null_draws=500, n_bootstrap=200, n_beta_null=200, n_class_permutations=199)
FULL_COMMAND = "semphys phase run --model embedded --model minilm --all --out DIR"


def run(ctx: DemoContext) -> None:
    config = PhaseConfig(seed=ctx.seed)
    suite = Suite(tuple(BUILTIN.values()), "builtin")
    ctx.config.update(
        models=list(MODELS),
        words=list(BUILTIN),
        primary_variant=config.primary_variant,
        n_bootstrap=config.n_bootstrap,
        selection=config.selection,
    )
    result = run_phase(MODELS, suite, config, log=ctx.log)
    results_path = write_text_atomic(ctx.work_dir / "results.json", to_json(result.results))
    figures = make_figures(result.results, ctx.work_dir)
    ctx.config["forwarded"] = {m.facts.spec: m.capture.n_forwarded for m in result.models}
    ctx.add_claims(result.results["claims"])
    section = ctx.section
    section.text(
        f"Full results: {results_path.relative_to(ctx.out_dir)} (schema in the README); the same "
        "report as a page of its own: semphys phase run --model embedded --model minilm --out DIR."
    )

    def part(title: str):
        section.text(f"— {title} —")
        return section

    fill_report(result.results, figures, part)

    wordnet_part(ctx)


def wordnet_part(ctx: DemoContext, n_words: int | None = None) -> None:
    """Spec 001 at WordNet scale on a subset, with the code of `phase run --all` (see the module docstring)."""
    n_words = n_words or N_WORDS
    config = WordnetRunConfig(
        out=ctx.work_dir / "wordnet", models=MODELS, n_words=n_words, settings=replace(DEMO_SETTINGS, seed=ctx.seed)
    )
    result = run_wordnet(config, log=ctx.log)
    result.save(config.out)
    document = result.document
    ctx.config["wordnet"] = {
        "n_words": n_words,
        "outcomes": {m: a["outcome"] for m, a in document["answers"].items()},
        "forwarded": {
            m: s["capture"]["n_forwarded"] + s["projected"]["n_forwarded"] for m, s in document["models"].items()
        },
    }
    section = ctx.section
    section.text(f"— Spec 001 at WordNet scale (demo subset of {n_words} nouns) —")
    section.text(
        f"The design of `{FULL_COMMAND}` on the first {n_words} usable WordNet nouns (every example "
        "sentence of a word's two most frequent lexicographer files is a judged curve; directions from "
        "the gloss prompts, never scored), with fewer draws. With so few words the pooled rows have little "
        "power: read this as what the measurement looks like; the full run's answer is on the findings "
        "page (docs/findings/phase.md)."
    )
    for line in document["headline"]:
        section.text(line)
    section.table(numbers_table(document), caption="Per model, the numbers behind the answer (demo subset)")
    columns, rows = claim_table(document_claims(document))
    section.table(rows, columns, caption="Claims of the subset, decided in its own document")
    section.figure(result.figures["curves"], "Mean word curve with its half-rise; l_c/L over words (demo subset).")
