"""Merging a sweep's job files into tables and the aggregate statistics of spec 001 over words.

Tables (Parquet, one row each):
    results.parquet   per (phase job, prompt), on the job's primary variant: model facts, the grid
                      point, the word and prompt, sigma per layer, the selected fit and its l_c,
                      l_c/L, the second-order beta with its interval, jump, R^2, the sign check,
                      and the word's l_c and chi peak
    jobs.parquet      per job of the plan: kind, model, item, settings, status (ok, skipped, failed,
                      pending), seconds, worker, attempt, error or reason
    langevin.parquet  per (langevin job, method): temperature, seed, KL(token law || q), closed form
    readout.parquet   per (readout job, design, metric): the headline row of `semphys phase readout`
                      (`phase.readout_report.headline_rows`: words, items, first layer above the null,
                      half-rise l_c, peak layer, peak accuracy, null p95 at the peak, output accuracy)
    wordnet.parquet   per (wordnet job, model): spec 001's outcome at WordNet scale and the pooled numbers
                      behind it (words, l_c/L median with its 95% interval over words, abrupt share,
                      share of words that beat their own nulls), from the job's results document

Aggregates (`summary.json`), per grid point (the `label` of the phase settings):
    models      per model: spec 001's summary over all words (`phase.summary.combine`), the verdict
                rows, l_c/L per word (median, quartiles), exponent statistics, sign accuracy, and
                the share of words whose claim holds on their own (`evidence.decide` over that
                word's claims)
    universality / claims    across models, as `semphys phase run` computes them for a few words
                (one `evidence.decide` per grid point)
"""

import math
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from semphys.evidence import Claim, decide
from semphys.experiments.phase.readout_report import headline_rows
from semphys.experiments.sweep.jobs import Plan
from semphys.experiments.sweep.store import SweepStore
from semphys.phase import PhaseConfig
from semphys.phase.exponents import exponent_statistics, universality
from semphys.phase.order import jump
from semphys.phase.verdict.claims import verdict
from semphys.phase.verdict.summary import WordStatistics, combine

CRITERIA: tuple[str, ...] = ("amplitude", "jump", "transition", "r2", "beta_cv", "chi_peak")
"""The per-model claims of the verdict that can be judged on one word (the evidence outcome
`evidence.Claim.holds`, decided over that word's claims alone)."""


def _finite(values: list[Any]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def prompt_rows(record: dict) -> list[dict[str, Any]]:
    """The rows of one finished phase job (primary variant)."""
    job, result = record["job"], record["result"]
    facts, word, primary = result["facts"], result["word"], result["primary_variant"]
    stats = result["statistics"][primary]
    n_layers = facts["n_layers"]
    rows = []
    for prompt in word["prompts"]:
        fits = prompt["fits"][primary]
        chosen = fits[fits["best"]]
        second = fits["second_order"]
        sigma = prompt["sigma"][primary]
        beta_ci = (second.get("ci") or {}).get("beta") or (None, None)
        expected = 0 if prompt["sense"] is None else (1 if prompt["sense"] == word["senses"][0] else -1)
        rows.append(
            {
                "job_id": job["id"],
                "model": job["model"],
                "architecture": facts["architecture"],
                "n_layers": n_layers,
                "d_model": facts["d_model"],
                "n_params": facts["n_params"],
                "settings": job["label"],
                **{f"setting_{k}": str(v) for k, v in job["settings"].items()},
                "variant": primary,
                "word": word["word"],
                "word_source": word["source"],
                "label": prompt["label"],
                "text": prompt["text"],
                "sense": prompt["sense"],
                "strength": prompt["strength"],
                "blind": prompt["blind"],
                "sigma": [float("nan") if v is None else v for v in sigma],
                "sigma_last": sigma[-1],
                "jump": float(jump(np.array(sigma, dtype=float))),
                "best_fit": fits["best"],
                "r2": chosen["r2"],
                "l_c": chosen["params"]["l_c"],
                "l_c_over_L": None if chosen["params"]["l_c"] is None else chosen["params"]["l_c"] / n_layers,
                "beta": second["params"]["beta"],
                "beta_at_bound": "beta" in second["at_bound"],
                "beta_ci_low": beta_ci[0],
                "beta_ci_high": beta_ci[1],
                "sign_correct": None if expected == 0 or sigma[-1] is None else bool(np.sign(sigma[-1]) == expected),
                "word_l_c": stats["word_lc"],
                "chi_peak": stats["chi_peak"],
                "chi_distance": stats["chi_distance"],
            }
        )
    return rows


def job_rows(plan: Plan, store: SweepStore) -> list[dict[str, Any]]:
    """One row per planned job with its status: ok, skipped, failed (not finished since) or pending."""
    finished = {r["job"]["id"]: r for r in store.finished_records()}
    failed = {r["job"]["id"]: r for r in store.failed_records(exclude=set(finished))}
    rows = []
    for job in plan.jobs:
        record = finished.get(job.id) or failed.get(job.id)
        status = record["status"] if record else "pending"
        rows.append(
            {
                "job_id": job.id,
                "kind": job.kind,
                "model": job.model,
                "item": job.item,
                "settings": job.label,
                "status": status,
                "seconds": record["seconds"] if record else None,
                "worker": record["worker"] if record else None,
                "attempt": record["attempt"] if record else None,
                "error": (record.get("error") or record.get("reason")) if record else None,
            }
        )
    return rows


def langevin_rows(record: dict) -> list[dict[str, Any]]:
    job, result = record["job"], record["result"]
    return [
        {"job_id": job["id"], "model": job["model"], "prompt": result["prompt"], **job["settings"], **row}
        for row in result["rows"]
    ]


def readout_rows(record: dict) -> list[dict[str, Any]]:
    """The headline rows of one finished readout job (primary variant, sighted items), with its job and settings."""
    job = record["job"]
    return [{"job_id": job["id"], "settings": job["label"], **row} for row in headline_rows(record["result"])]


def wordnet_rows(record: dict) -> list[dict[str, Any]]:
    """One row per model of a finished wordnet job's results document (`answers`, `models.<m>.pooled`)."""
    job, document = record["job"], record["result"]
    rows = []
    for model, section in document["models"].items():
        pooled, answer = section["pooled"], document["answers"][model]
        lc = pooled["lc_over_L"]
        low, high = lc["interval"] or (None, None)
        rows.append(
            {
                "job_id": job["id"],
                "settings": job["label"],
                "model": model,
                "outcome": answer["outcome"],
                "answer": answer["outcome_text"],
                "words": pooled["n_words"],
                "l_c/L median": lc["median"],
                "l_c/L 95% low": low,
                "l_c/L 95% high": high,
                "abrupt share": pooled["abruptness"]["share"],
                "beats own nulls share": (pooled["beats_own_nulls"] or {}).get("share"),
            }
        )
    return rows


def readout_documents(store: SweepStore) -> dict[str, dict]:
    """Settings label -> one readout.json-shaped document holding every model's block at that grid point.

    Each job decided its own model's claims; merged, the claims of all models at a grid point are decided
    again together (`evidence.decide`: one Holm family per document, both models together).
    """
    merged: dict[str, dict] = {}
    for record in store.finished_records():
        if record["status"] != "ok" or record["job"]["kind"] != "readout":
            continue
        document = record["result"]
        held = merged.setdefault(record["job"]["label"], {**document, "models": [], "claims": []})
        held["models"] += document["models"]
        held["claims"] += document.get("claims", [])
    for held in merged.values():
        rows = sorted((Claim.from_dict(row) for row in held["claims"]), key=lambda c: c.kind == "exploratory")
        held["claims"] = [claim.to_dict() for claim in decide(rows)]
    return merged


def _word_passes(stats: WordStatistics, variant: str, config: PhaseConfig) -> dict[str, bool | None]:
    """Each per-model criterion judged on one word alone (None where it cannot be computed)."""
    summary = combine(stats.word, [stats], variant, config)
    rows = decide(verdict([summary], universality({}), config.thresholds, config.seed))
    return {row.key: row.holds for row in rows if row.key in CRITERIA}


def _quartiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"n": 0, "median": None, "q1": None, "q3": None}
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {"n": len(values), "median": float(median), "q1": float(q1), "q3": float(q3)}


def aggregate(records: list[dict]) -> dict[str, Any]:
    """The summary over words, per grid point and model (see the module docstring)."""
    groups: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record["status"] == "ok" and record["job"]["kind"] == "phase":
            groups[record["job"]["label"]][record["job"]["model"]].append(record)
    summary: dict[str, Any] = {}
    for label, by_model in groups.items():
        config_settings = next(iter(by_model.values()))[0]["job"]["settings"]
        config = PhaseConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in config_settings.items()})
        variant = config.primary_variant
        models, summaries = {}, []
        for model, model_records in by_model.items():
            facts = model_records[0]["result"]["facts"]
            stats = [WordStatistics.from_dict(r["result"]["statistics"][variant]) for r in model_records]
            model_summary = combine(model, stats, variant, config)
            summaries.append(model_summary)
            word_ratios = _finite([s.word_lc / s.n_layers for s in stats if s.word_lc is not None])
            passes = [_word_passes(s, variant, config) for s in stats]
            models[model] = {
                "facts": facts,
                "n_words": len(stats),
                "summary": model_summary.to_dict(),
                "word_lc_over_L": _quartiles(word_ratios),
                "word_beta_median": exponent_statistics(
                    _finite([float(np.median(s.prompts.beta)) for s in stats if len(s.prompts.beta)]),
                    beta_range=config.beta_bounds,
                ).to_dict(),
                "word_pass_rate": {key: _rate([p[key] for p in passes]) for key in CRITERIA},
                "sign_accuracy": _pooled_sign(model_records, config.primary_correction),
            }
        universal = universality({s.model: s.lc_ratio for s in summaries})
        summary[label] = {
            "settings": config_settings,
            "variant": variant,
            "models": models,
            "universality": universal.to_dict(),
            "claims": [row.to_dict() for row in decide(verdict(summaries, universal, config.thresholds, config.seed))],
        }
    return summary


def _rate(values: list[bool | None]) -> dict[str, float | int | None]:
    judged = [v for v in values if v is not None]
    return {"held": sum(judged), "judged": len(judged), "fraction": sum(judged) / len(judged) if judged else None}


def _pooled_sign(records: list[dict], correction: str) -> dict[str, dict[str, float | int | None]]:
    """Sign accuracy pooled over words: hits and prompts summed per kind (strong, declared, ...)."""
    pooled: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        for kind, value in record["result"]["sign_accuracy"][correction]["accuracy"].items():
            pooled[kind][0] += value["hits"]
            pooled[kind][1] += value["n"]
    return {k: {"hits": h, "n": n, "fraction": h / n if n else None} for k, (h, n) in pooled.items()}


def tables(plan: Plan, store: SweepStore) -> dict[str, pd.DataFrame]:
    """results, jobs, langevin, readout and wordnet tables of the sweep as it stands on disk."""
    records = store.finished_records()
    ok = [r for r in records if r["status"] == "ok"]
    results = [row for r in ok if r["job"]["kind"] == "phase" for row in prompt_rows(r)]
    langevin = [row for r in ok if r["job"]["kind"] == "langevin" for row in langevin_rows(r)]
    readout = [row for r in ok if r["job"]["kind"] == "readout" for row in readout_rows(r)]
    wordnet = [row for r in ok if r["job"]["kind"] == "wordnet" for row in wordnet_rows(r)]
    return {
        "results": pd.DataFrame(results),
        "jobs": pd.DataFrame(job_rows(plan, store)),
        "langevin": pd.DataFrame(langevin),
        "readout": pd.DataFrame(readout, dtype=object),  # object: a layer that is None stays None, not NaN
        "wordnet": pd.DataFrame(wordnet, dtype=object),  # object: a share that is None stays None, not NaN
    }


def qk_results(store: SweepStore) -> dict[str, dict]:
    """model -> W_QK PCA result of its (first) qk_pca job."""
    out: dict[str, dict] = {}
    for record in store.finished_records():
        if record["status"] == "ok" and record["job"]["kind"] == "qk_pca":
            out.setdefault(record["job"]["model"], record["result"]["qk_pca"])
    return out
