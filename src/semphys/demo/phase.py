"""Demo section `phase`: spec 001 on the built-in words (bank, bat, crane), Gemma-3-270M and MiniLM.

Runs `semphys.experiments.phase.run.run_phase` exactly as `semphys phase run --model embedded --model minilm` does
(activations cached under the semphys cache, so a second demo forwards nothing) and fills the section
with the same blocks as the CLI's report (`semphys.experiments.phase.report.fill_report`), one titled part per
experiment. The run's results.json and figures stay in the section's directory.
"""

from semphys.core.io import write_text_atomic
from semphys.demo.context import DemoContext
from semphys.experiments.phase.plots import make_figures
from semphys.experiments.phase.report import fill_report
from semphys.experiments.phase.results import to_json
from semphys.experiments.phase.run import run_phase
from semphys.phase import BUILTIN, PhaseConfig, Suite

MODELS = ("embedded", "minilm")


def run(ctx: DemoContext) -> None:
    config = PhaseConfig(seed=ctx.seed)
    suite = Suite(tuple(BUILTIN.values()), "builtin")
    ctx.config.update(models=list(MODELS), words=list(BUILTIN), primary_variant=config.primary_variant,
                      n_bootstrap=config.n_bootstrap, selection=config.selection)
    result = run_phase(MODELS, suite, config, log=ctx.log)
    results_path = write_text_atomic(ctx.work_dir / "results.json", to_json(result.results))
    figures = make_figures(result.results, ctx.work_dir)
    ctx.config["forwarded"] = {m.facts.spec: m.capture.n_forwarded for m in result.models}
    ctx.add_claims(result.results["claims"])
    section = ctx.section
    section.text(f"Full results: {results_path.relative_to(ctx.out_dir)} (schema in the README); the same "
                 "report as a page of its own: semphys phase run --model embedded --model minilm --out DIR.")

    def part(title: str):
        section.text(f"— {title} —")
        return section

    fill_report(result.results, figures, part)
