"""Writing what a sweep found: the merged tables, summary.json, the figures and report.html.

`write_outputs` can run at any time on a sweep directory (after a complete run, after a killed one,
from `semphys sweep report`): it reads the job files as they stand, and jobs without a file show as
pending.
"""

import json
import shutil
from pathlib import Path
from typing import Any

from semphys.core.io import atomic_path, write_text_atomic
from semphys.core.report import Report
from semphys.evidence import Claim, claim_table, findings_at_a_glance, wilson_interval
from semphys.experiments.phase.readout_report import readout_figure
from semphys.experiments.phase.results import to_json
from semphys.experiments.sweep import plots
from semphys.experiments.sweep.grids import settings_label
from semphys.experiments.sweep.jobs import Plan
from semphys.experiments.sweep.merge import aggregate, qk_results, readout_documents, tables
from semphys.experiments.sweep.store import SweepStore
from semphys.phase import PhaseConfig

SUMMARY_SCHEMA = "semphys.sweep-summary/2"
"""`summary.json`'s shape: `summary.schema.json` beside this module (checked in the tests)."""


def display_labels(plan: Plan) -> dict[str, str]:
    """Full settings label -> the part that varies across the grid (`all words` when nothing varies)."""
    varying = [key for key, values in plan.spec.phase if len(values) > 1]
    labels = {}
    for point in plan.spec.phase_points():
        short = {k: v for k, v in point.items() if k in varying}
        labels[settings_label(point)] = settings_label(short) if short else "all words"
    return labels


def _write_parquet(frame, path: Path) -> Path:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def write_outputs(plan: Plan, store: SweepStore, run: dict[str, Any] | None = None) -> dict[str, Path]:
    """Merge the job files of `store` and write tables, summary, figures and report; returns the paths."""
    out = store.out_dir
    frames = tables(plan, store)
    paths = {name: _write_parquet(frame, out / f"{name}.parquet") for name, frame in frames.items() if not frame.empty}
    summary = aggregate(store.finished_records())
    labels = display_labels(plan)
    document = {
        "schema": SUMMARY_SCHEMA,
        "fingerprint": plan.spec.fingerprint(),
        "run": run,
        "labels": labels,
        "settings": summary,
        "qk_pca": qk_results(store),
        "skipped_words": [s.__dict__ for s in plan.skipped_words],
        "readout": frames["readout"].to_dict("records"),
        "wordnet": frames["wordnet"].to_dict("records"),
    }
    paths["summary"] = write_text_atomic(out / "summary.json", to_json(document))
    report = Report("semphys sweep", subtitle=f"{len(plan.jobs)} jobs, fingerprint {plan.spec.fingerprint()}")
    findings_at_a_glance(
        report,
        [Claim.from_dict(row) for block in summary.values() for row in block["claims"]],
        "Every setting's claims with its words pooled (details per setting below).",
    )
    _sweep_section(report, plan, frames["jobs"], run)
    results = frames["results"]
    if not results.empty:
        bounds = PhaseConfig().beta_bounds
        figures = {
            "universality": (_universality_section, lambda: plots.universality_figure(results, labels)),
            "exponents": (_exponents_section, lambda: plots.exponents_figure(results, labels, bounds)),
            "pass_rates": (_pass_section, lambda: plots.pass_rates_figure(summary, labels)),
        }
        for name, (write_section, draw) in figures.items():
            paths[name] = out / f"{name}.png"
            write_section(report, summary, labels).figure(draw(), _CAPTIONS[name], save_to=paths[name], dpi=110)
    if not frames["wordnet"].empty:
        _wordnet_section(report, frames["wordnet"], labels)
    if summary:
        _verdict_section(report, summary, labels)
    if not results.empty:
        _words_section(report, results, labels)
    _qk_section(report, document["qk_pca"])
    if not frames["langevin"].empty:
        _langevin_section(report, frames["langevin"])
    if not frames["readout"].empty:
        paths |= _readout_section(report, frames["readout"], readout_documents(store), out / "readout")
    _problems_section(report, frames["jobs"], plan)
    paths["report"] = report.write(out / "report.html")
    return paths


_CAPTIONS = {
    "universality": "l_c/L of every word (faint points), median and quartiles per model, against depth (left) and "
    "parameter count (right). The spec's universality claim is that l_c/L does not depend on the model.",
    "exponents": "Left: the fraction of words whose median beta is at most x, with a 95% DKW confidence band. Right: "
    "beta of every prompt's second-order fit; piles at a bound are limits of the fit, not estimates.",
    "pass_rates": "The share of words that pass each criterion judged on that word alone, with Wilson 95% intervals. "
    "A claim that holds 'in general' should pass for most words, not only when pooled.",
}


def _sweep_section(report: Report, plan: Plan, jobs, run: dict[str, Any] | None):
    section = report.section("The sweep")
    section.text(
        "Every job of the plan and what became of it. A re-run of the same spec skips the finished jobs; "
        "pending jobs have not run yet (the sweep was stopped) and failed ones are listed at the end."
    )
    section.code(json.dumps(plan.spec.to_dict(), indent=1, default=str), caption="spec")
    if run:
        section.kv(run, caption="this run")
    counts = jobs.groupby(["kind", "model", "status"]).size().reset_index(name="jobs")
    section.table(counts.to_dict("records"), caption="jobs by kind, model and status")
    done = jobs[(jobs["kind"] == "phase") & (jobs["status"] == "ok")]
    if not done.empty:
        speed = done.groupby("model")["seconds"].agg(["count", "median", "sum"]).reset_index()
        speed["words_per_minute_one_worker"] = 60 / speed["median"]
        section.table(
            speed.rename(columns={"count": "words", "median": "median s/word", "sum": "total s"}).to_dict("records"),
            caption="phase jobs: seconds per word (capture shared within a batch)",
        )
    return section


def _wordnet_section(report: Report, frame, labels: dict[str, str]) -> None:
    section = report.section("Spec 001 at WordNet scale")
    section.text(
        "One row per WordNet-scale job (model x grid point): spec 001's outcome (§結果の解釈: 1 a Landau-type "
        "transition, 2 a jump that Landau theory does not describe, 3 no jump) and the numbers behind it, pooled over "
        "the job's words (intervals resample words). Each job's full results document, what `semphys phase run "
        "--wordnet N | --all` writes for that model, is its file under jobs/. A job decides its model's claims alone: "
        "the row across models (the spread of l_c/L, exp. 3) needs every model in one `phase run`, so a job's "
        "outcome is 2 at best."
    )
    rows = frame.drop(columns=["job_id"]).assign(settings=frame["settings"].map(lambda s: labels.get(s, s)))
    section.table(rows.to_dict("records"), caption="spec 001 at WordNet scale per job (settings: what varies)")


def _universality_section(report: Report, summary: dict, labels: dict[str, str]):
    section = report.section("Universality of l_c/L (exp. 3)")
    rows = []
    for setting, block in summary.items():
        for model, info in block["models"].items():
            q = info["word_lc_over_L"]
            rows.append(
                {
                    "settings": labels.get(setting, setting),
                    "model": model,
                    "L": info["facts"]["n_layers"],
                    "parameters": info["facts"]["n_params"],
                    "words": info["n_words"],
                    "l_c/L median (words)": q["median"],
                    "q1": q["q1"],
                    "q3": q["q3"],
                    "l_c/L pooled prompts": info["summary"]["lc_over_L"],
                }
            )
        rows.append(
            {
                "settings": labels.get(setting, setting),
                "model": "spread across models",
                "l_c/L pooled prompts": block["universality"]["spread"],
            }
        )
    section.table(rows, caption="l_c/L per model: quartiles over words, and the median over all declared prompts")
    return section


def _exponents_section(report: Report, summary: dict, labels: dict[str, str]):
    section = report.section("Critical exponents over words (exp. 2)")
    rows = []
    for setting, block in summary.items():
        for model, info in block["models"].items():
            every, inner = info["summary"]["critical_exponents"], info["summary"]["critical_exponents_usable"]
            words = info["word_beta_median"]
            rows.append(
                {
                    "settings": labels.get(setting, setting),
                    "model": model,
                    "prompts": every["n"],
                    "usable": inner["n"],
                    "beta mean (usable)": inner["mean"],
                    "std/mean (usable)": inner["cv"],
                    "words": words["n"],
                    "word-median beta mean": words["mean"],
                    "word-median std/mean": words["cv"],
                }
            )
    section.table(
        rows,
        caption="beta of the second-order fits: every judged prompt, the usable ones (selected "
        "form second order, beta and l_c inside the bounds), and each word's median",
    )
    return section


def _pass_section(report: Report, summary: dict, labels: dict[str, str]):
    section = report.section("Criteria word by word")
    rows = []
    for setting, block in summary.items():
        for model, info in block["models"].items():
            for key, rate in info["word_pass_rate"].items():
                low, high = wilson_interval(rate["held"], rate["judged"])
                rows.append(
                    {
                        "settings": labels.get(setting, setting),
                        "model": model,
                        "criterion": key,
                        "words held": rate["held"],
                        "judged": rate["judged"],
                        "share": rate["fraction"],
                        "95% low": low,
                        "95% high": high,
                    }
                )
    section.table(rows, caption="words whose claim holds on their own (decided over that word's claims)")
    return section


def _verdict_section(report: Report, summary: dict, labels: dict[str, str]) -> None:
    section = report.section("Verdict over all words (spec 001 success criteria)")
    section.text(
        "The claims with every word's judged prompts pooled, as `semphys phase run` computes them, per "
        "grid point, decided by `evidence.decide` (Holm over the grid point's findings, every null beaten, "
        "the interval clear of every null's median)."
    )
    for setting, block in summary.items():
        columns, rows = claim_table([Claim.from_dict(r) for r in block["claims"]])
        section.table(rows, columns, caption=f"{labels.get(setting, setting)} ({block['variant']})")
        signs = [
            {"model": m, **{k: f"{v['hits']}/{v['n']}" for k, v in info["sign_accuracy"].items()}}
            for m, info in block["models"].items()
        ]
        section.table(signs, caption="sign of sigma at the last layer against the declared sense, pooled over words")


def _words_section(report: Report, results, labels: dict[str, str]) -> None:
    section = report.section("Every word")
    section.text("One row per word, model and grid point: medians over the word's declared-sense prompts.")
    declared = results[results["sense"].notna()]
    words = (
        declared.groupby(["settings", "model", "word"], sort=True)
        .agg(
            prompts=("label", "size"),
            l_c=("word_l_c", "first"),
            L=("n_layers", "first"),
            jump=("jump", "median"),
            r2=("r2", "median"),
            beta=("beta", "median"),
            chi_distance=("chi_distance", "first"),
            sign_correct=("sign_correct", "mean"),
        )
        .reset_index()
    )
    words["l_c/L"] = words["l_c"] / words["L"]
    words["settings"] = words["settings"].map(lambda s: labels.get(s, s))
    section.table(
        words.drop(columns=["L"]).to_dict("records"),
        caption="per word: l_c (median over declared prompts of the selected fit), median jump, R^2 and "
        "beta, |chi peak - l_c|, and the share of declared prompts whose last-layer sign is right",
    )


def _qk_section(report: Report, qk: dict[str, dict]) -> None:
    if not qk:
        return
    section = report.section("W_QK PCA (exp. 6)")
    rows = []
    for model, result in qk.items():
        form = result["forms"]["residual"]
        rows.append({"model": model, **{f"{k} comp.": v for k, v in form["at"].items()}})
    section.table(rows, caption="cumulative explained variance of W_QK = W_Q W_K^T over layers and heads")


def _langevin_section(report: Report, frame) -> None:
    section = report.section("Langevin temperature probe (spec 000 4.3)")
    columns = [c for c in ("model", "temperature", "method") if c in frame.columns]
    value = "kl" if "kl" in frame.columns else frame.columns[-1]
    table = frame.groupby(columns)[value].agg(["mean", "std", "count"]).reset_index()
    section.table(table.to_dict("records"), caption=f"{value} over prompts and seeds")


def _readout_section(report: Report, frame, documents: dict[str, dict], out: Path) -> dict[str, Path]:
    """The held-out readout's headline table over every readout job, and each grid point's accuracy-vs-layer figure."""
    section = report.section("Held-out sense readout across layers")
    section.text(
        "One row per readout job (model x grid point), design and metric, at the job's primary variant, "
        "sighted items only: held-out accuracy of WordNet example sentences, and the first layer above both "
        "nulls' p95 (random directions, labels shuffled within words). Each job's full readout.json is its "
        "file under jobs/."
    )
    section.table(frame.drop(columns=["job_id"]).to_dict("records"), caption="readout headline per job")
    paths = {}
    shutil.rmtree(out, ignore_errors=True)  # merged output: only this merge's grid points
    for index, (label, document) in enumerate(sorted(documents.items())):
        folder = out / str(index)
        folder.mkdir(parents=True, exist_ok=True)
        paths[f"readout_{index}"] = path = readout_figure(document, folder)
        section.figure(
            path,
            f"{label}: accuracy against relative depth with the 95% bootstrap band (shaded) and the "
            "null band (hatched: median to p95 of the larger null).",
        )
    return paths


def _problems_section(report: Report, jobs, plan: Plan) -> None:
    section = report.section("Failed, skipped and pending jobs")
    problems = jobs[jobs["status"] != "ok"]
    if plan.skipped_words:
        section.table(
            [{"word": s.word, "reason": s.reason} for s in plan.skipped_words],
            caption="words the word source could not pair (never became jobs)",
        )
    if problems.empty:
        section.text("Every job finished.")
        return
    section.table(
        problems[["kind", "model", "item", "settings", "status", "attempt", "error"]].to_dict("records"),
        caption="jobs that did not succeed: failures keep their error; pending jobs have not run",
    )
    if (problems["status"] == "failed").any():
        section.set_status("warning", f"{int((problems['status'] == 'failed').sum())} jobs failed")
