"""The HTML report of a `semphys phase run`: one section per experiment of spec 001, and the verdict.

`write_report` writes OUT/report.html; `fill_report` fills any section factory with the same blocks, so
the demo's phase section (`semphys.experiments.demo.phase`) shows exactly what the command's report shows.

    verdict   the findings at a glance and the verdict's section; the findings as plain text (`verdict_lines`)
    sections  the sections of experiments 1, 2, 4 and 6, and the inputs (3 and 5 are short: `fill_report`)
"""

from collections.abc import Callable
from pathlib import Path

from semphys.core.report import Report
from semphys.experiments.phase.report import sections, verdict


def write_report(doc: dict, figures: dict[str, Path], out: Path) -> Path:
    """OUT/report.html: one section per experiment."""

    report = Report(
        "semphys phase: semantic phase transitions across layers",
        subtitle=f"models {', '.join(doc['models'])} · words {', '.join(doc['suite']['words'])} · "
        f"verdict on {doc['primary_variant']}",
        provenance=doc["provenance"],
    )
    fill_report(doc, figures, report.section)
    return report.write(Path(out) / "report.html")


def fill_report(doc: dict, figures: dict[str, Path], section_for: Callable[[str], object]) -> None:
    """Add the phase run's sections. section_for(title) returns a `semphys.core.report.Section` to fill."""
    variant = doc["primary_variant"]
    models = doc["models"]
    verdict.glance(section_for("Findings at a glance"), doc)
    verdict.summary(section_for("Verdict: spec 001 success criteria"), doc)
    sections.order(section_for("Experiment 1: order parameter sigma(l)"), doc, figures)
    sections.fits(section_for("Experiment 2: Landau fits and critical exponents"), doc, figures)
    s = section_for("Experiment 3: universality of l_c / L across models")
    s.table(
        [
            {
                "variant": v,
                **{m: u["ratios"].get(m) for m in models},
                "spread (max - min)": u["spread"],
                "std": u["std"],
            }
            for v, u in doc["universality"].items()
        ],
        caption="Median l_c / L over declared-sense prompts (selected fits), per variant.",
    )
    s.text(
        "Hub models (gpt2, gpt2-medium, gpt2-large) run the same way with --model when the machine can reach "
        "the Hugging Face hub or has them cached; here only the two embedded models are available."
    )
    sections.susceptibility(section_for("Experiment 4: susceptibility chi(l)"), doc, figures, variant)
    s = section_for("Experiment 5: phase diagram over context length and layer")
    if "phase_diagram" in figures:
        s.figure(
            figures["phase_diagram"],
            "sigma over context words (x) and layer (y), sense A's gradient then "
            "sense B's (thick line). The context grows around the target: first the words before it, nearest "
            "first, then (after the dotted line) the words after it. A causal model cannot see words after "
            "its target, so its columns right of the dotted line repeat. Black contour: sigma = 0.",
        )
    s.text(
        "In Gemma the layer-0 vector of the target is its token embedding, the same in every context: "
        "per-layer sigma is exactly 0 there, and the sigma = 0 contour runs along that row."
    )
    sections.qk(section_for("Experiment 6: PCA of the attention bilinear forms W_QK"), doc, figures)
    sections.inputs(section_for("Inputs, caching and settings"), doc)
