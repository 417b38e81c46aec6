"""readout.json and readout.parquet of `semphys phase readout` (spec 001 §実験1 and §発展実験 A).

readout.json (schema `readout.schema.json`, version `semphys.phase.readout/2`):
    schema, source, config, primary {design, variant}, split {seed, rule} (the peak's word split),
    skipped [{word, reason}] (item building), unscored [{word, reason}] (prompts of a prompts file read
    but not scored)
    claims[]: every row (`evidence.Claim.to_dict`), all models decided together (`readout_claims`):
        findings for the primary variant's sighted items and the potential, exploratory for the rest
    models[]: spec, n_layers (the model's L), layers (the indices read), causal, n_words, n_items, n_blind, skipped, capture, seconds,
        readout[]: one row per (design, variant, metric, subset) with n_words, n_items, accuracy,
            ci_low, ci_high (per layer), null_random / null_shuffled {p5, median, p95, maxt_p} (per
            layer), null_draws (pooled draws per null), first_above_null (maxT and interval rule),
            half_rise_layer, half_rise_ratio (l_c / L), word_lc_ratio {median, q25, q75, n_defined},
            peak_layer (picked on half the words), peak_minus_output (scored on the other half; null
            when there are fewer than two words), peak {n_pick_words, n_score_words, accuracy,
            interval, output_accuracy, difference_interval} or null
        potential: design, variant, sigma_edges, V [layer][bin], bimodal_share, ci_low, ci_high,
            bimodal_null {median, p95, maxt_p, draws}, n_words_tested, first_bimodal_above_null,
            readout_half_rise_layer

readout.parquet: one row per model x word x item x layer, columns model, word, item, sense,
sentence, blind, layer, relative_depth, and per design and variant `<design>:<variant>:<metric>_correct`
and `<design>:<variant>:sigma` (null where the item is not in that task). The json's `accuracy` is
the mean of the matching `_correct` column over the subset's rows at each layer.
"""

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from semphys.core.jsondoc import schema_path, to_json
from semphys.evidence import check_document
from semphys.experiments.phase.readout_models import ModelReadout, Potential
from semphys.phase.readout.centroid import SPLIT_SEED, LayerSummary
from semphys.phase.readout.claims import document_claims
from semphys.phase.readout.items import ReadoutItems

if TYPE_CHECKING:
    from semphys.experiments.phase.readout import ReadoutConfig

SCHEMA = "semphys.phase.readout/2"
SPLIT_RULE = (
    f"the peak layer is picked on the floor(W/2) words first by sha256('{SPLIT_SEED}:<word>') and scored "
    "on the other words, per task (the same words always split the same way)"
)
SCHEMA_FILE = schema_path(__file__, "readout")


def summary_row(key: tuple[str, str, str, str], summary: LayerSummary, n_layers: int) -> dict:
    design, variant, metric, subset = key
    ratios = summary.word_half_rise[np.isfinite(summary.word_half_rise)] / n_layers
    quantiles = np.percentile(ratios, [25, 50, 75]) if ratios.size else [None] * 3
    return {
        "design": design,
        "variant": variant,
        "metric": metric,
        "subset": subset,
        "n_words": summary.n_words,
        "n_items": summary.n_items,
        "accuracy": summary.accuracy,
        "ci_low": summary.ci_low,
        "ci_high": summary.ci_high,
        "null_random": summary.null_random,
        "null_shuffled": summary.null_shuffled,
        "null_draws": {name: int(draws.shape[0]) for name, draws in summary.null_draws.items()},
        "first_above_null": summary.first_above_null,
        "half_rise_layer": summary.half_rise_layer,
        "half_rise_ratio": None if summary.half_rise_layer is None else summary.half_rise_layer / n_layers,
        "word_lc_ratio": {
            "q25": quantiles[0],
            "median": quantiles[1],
            "q75": quantiles[2],
            "n_defined": int(ratios.size),
        },
        "peak_layer": summary.peak_layer,
        "peak_minus_output": summary.peak_minus_output,
        "peak": None
        if summary.peak is None
        else {
            "n_pick_words": summary.peak.n_pick_words,
            "n_score_words": summary.peak.n_score_words,
            "accuracy": summary.peak.accuracy,
            "interval": summary.peak.interval,
            "output_accuracy": summary.peak.output_accuracy,
            "difference_interval": summary.peak.difference_interval,
        },
    }


def potential_block(
    potential: Potential | None, config: "ReadoutConfig", readout_lc: int | None, layers: tuple[int, ...]
) -> dict | None:
    if potential is None:
        return None
    found = potential.first_above_null
    return {
        "design": "loo",
        "variant": config.primary_variant,
        "sigma_edges": potential.bins,
        "V": np.where(np.isfinite(potential.v), potential.v, np.nan),
        "bimodal_share": potential.bimodal_share,
        "ci_low": potential.ci_low,
        "ci_high": potential.ci_high,
        "bimodal_null": {
            "median": np.median(potential.null, axis=0),
            "p95": np.percentile(potential.null, 95, axis=0),
            "maxt_p": potential.maxt_p,
            "draws": int(potential.null.shape[0]),
        },
        "n_words_tested": potential.n_words_tested,
        "first_bimodal_above_null": None if found is None else layers[found],
        "readout_half_rise_layer": readout_lc,
    }


def model_block(run: ModelReadout, config: "ReadoutConfig") -> dict:
    rows = [summary_row(key, s, run.n_layers) for key, s in sorted(run.summaries.items())]
    primary = run.summaries.get(("loo", config.primary_variant, "sign", "sighted"))
    return {
        "spec": run.spec,
        "n_layers": run.n_layers,
        "layers": list(run.layers),
        "causal": run.causal,
        "n_words": run.n_words,
        "n_items": len(run.items),
        "n_blind": sum(r.blind for r in run.items),
        "skipped": [{"word": s.word, "reason": s.reason} for s in run.skipped],
        "capture": run.capture.to_dict(),
        "seconds": run.seconds,
        "readout": rows,
        "potential": potential_block(
            run.potential, config, None if primary is None else primary.half_rise_layer, run.layers
        ),
    }


def readout_document(items: ReadoutItems, runs: list[ModelReadout], config: "ReadoutConfig") -> dict:
    document = {
        "schema": SCHEMA,
        "source": items.source,
        "config": config.fingerprint(),
        "primary": {"variant": config.primary_variant, "subset": "sighted"},
        "split": {"seed": SPLIT_SEED, "rule": SPLIT_RULE},
        "skipped": [{"word": s.word, "reason": s.reason} for s in items.skipped],
        "unscored": [{"word": s.word, "reason": s.reason} for s in items.unscored],
        "claims": [claim.to_dict() for claim in document_claims(runs, config.primary_variant)],
        "models": [model_block(run, config) for run in runs],
    }
    check_document(document, SCHEMA_FILE)
    return document


def item_table(runs: list[ModelReadout]):
    """The parquet rows as a pandas DataFrame (one row per model x word x item x layer)."""
    import pandas as pd

    frames = []
    for run in runs:
        n = len(run.layers)
        columns = sorted({name for record in run.items for name in record.values})
        base = {
            "model": np.repeat([run.spec] * len(run.items), n),
            "word": np.repeat([r.word for r in run.items], n),
            "item": np.repeat([r.index for r in run.items], n),
            "sense": np.repeat([r.sense for r in run.items], n),
            "sentence": np.repeat([r.sentence for r in run.items], n),
            "blind": np.repeat([r.blind for r in run.items], n),
            "layer": np.tile(run.layers, len(run.items)),
            "relative_depth": np.tile(np.array(run.layers) / run.n_layers, len(run.items)),
        }
        for name in columns:
            dtype = "boolean" if name.endswith("_correct") else "Float64"
            values = [r.values.get(name, np.full(n, np.nan)) for r in run.items]
            column = pd.array(np.concatenate(values).astype(np.float64), dtype="Float64")
            missing = np.concatenate([np.full(n, name not in r.values) for r in run.items])
            column[missing] = pd.NA
            base[name] = column.astype(dtype)
        frames.append(pd.DataFrame(base))
    return pd.concat(frames, ignore_index=True)


def write_results(out: Path, document: dict, runs: list[ModelReadout]) -> tuple[Path, Path]:
    """readout.json and readout.parquet, each written atomically."""
    from semphys.core.io import atomic_path, write_text_atomic

    json_path = write_text_atomic(Path(out) / "readout.json", to_json(document))
    parquet_path = Path(out) / "readout.parquet"
    with atomic_path(parquet_path) as tmp:
        item_table(runs).to_parquet(tmp, index=False)
    return json_path, parquet_path
