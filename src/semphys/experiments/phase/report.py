"""The HTML report of a `semphys phase run`: one section per experiment of spec 001, and the verdict.

`write_report` writes OUT/report.html; `fill_report` fills any section factory with the same blocks, so
the demo's phase section (`semphys.experiments.demo.phase`) shows exactly what the command's report shows.
"""

import json
from collections.abc import Callable
from pathlib import Path

from semphys.core.report import Report
from semphys.evidence import Claim, claim_table


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


def value_text(value, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def claims_of(rows: list[dict]) -> list[Claim]:
    """Claims read back from their JSON rows (results.json `claims`)."""
    return [Claim.from_dict(row) for row in rows]


def glance_claims(claims: list[Claim]) -> list[Claim]:
    """The rows of the findings table: every verdict row (an n/a row stays, as exploratory) and the
    projection's findings (its other k's are in exp. 6's section)."""
    return [c for c in claims if not (c.kind == "exploratory" and (c.key or "").startswith("qk_projection"))]


def verdict_lines(doc: dict) -> list[str]:
    """The findings as plain text: one line per row of the findings table, then the headline."""
    lines = []
    for claim in glance_claims(claims_of(doc["claims"])):
        interval = (
            "" if claim.interval is None else f" [{value_text(claim.interval[0])}, {value_text(claim.interval[1])}]"
        )
        lines.append(
            f"  {claim.model or '':>12}  {claim.key or claim.claim:<26} {value_text(claim.value):>8}{interval:<22} "
            f"p adj. {value_text(claim.p_adjusted, 2):>6} (floor {value_text(claim.p_floor, 2)})  "
            f"{claim.outcome}"
        )
    return lines + doc["verdict"]["headline"]


def floor_sentence(claims: list[Claim]) -> str:
    """What the draws allow: the smallest p and the smallest Holm-adjusted p of the document's findings."""
    floors = [c.p_floor for c in claims if c.kind == "finding" and c.p_floor is not None]
    if not floors:
        return "No finding has a p (no null draws)."
    floor, m = max(floors), len(floors)
    return (
        f"The draws put the floor of each p at {floor:.2g} (1 / (1 + draws)); Holm over the {m} findings of this "
        f"document can therefore adjust the smallest p to no less than {min(1.0, m * floor):.2g}."
    )


def _interval(fit: dict, name: str) -> str:
    value = fit["params"].get(name)
    if value is None:
        return ""
    ci = fit["ci"].get(name)
    return f"{value:.3g}" + (f" [{ci[0]:.3g}, {ci[1]:.3g}]" if ci else "")


def fill_report(doc: dict, figures: dict[str, Path], section_for: Callable[[str], object]) -> None:
    """Add the phase run's sections. section_for(title) returns a `semphys.core.report.Section` to fill."""
    variant = doc["primary_variant"]
    models = doc["models"]
    _glance(section_for("Findings at a glance"), doc)
    _summary(section_for("Verdict: spec 001 success criteria"), doc)
    _order(section_for("Experiment 1: order parameter sigma(l)"), doc, figures)
    _fits(section_for("Experiment 2: Landau fits and critical exponents"), doc, figures)
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
    _susceptibility(section_for("Experiment 4: susceptibility chi(l)"), doc, figures, variant)
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
    _qk(section_for("Experiment 6: PCA of the attention bilinear forms W_QK"), doc, figures)
    _inputs(section_for("Inputs, caching and settings"), doc)


def _glance(s, doc: dict) -> None:
    """Findings at a glance: every decided claim of the document, drawn by `evidence.claim_table`."""
    claims = claims_of(doc["claims"])
    for sentence in doc["verdict"]["headline"]:
        s.text(sentence + ".")
    columns, rows = claim_table(glance_claims(claims))
    s.table(
        rows,
        columns,
        caption=f"Findings of spec 001 on {doc['primary_variant']} and of exp. 6's projection, "
        "decided together: the threshold passes (where there is one), p adjusted by Holm over the document's "
        "findings (max-T over k for the projection) <= 0.05 against every null, and the 95% interval clears "
        "every null's median. " + floor_sentence(claims),
    )
    failed = [c for c in claims if c.kind == "finding" and c.holds is False]
    held = [c for c in claims if c.kind == "finding" and c.holds is True]
    s.set_status("ok" if not failed else "warning", f"{len(held)} of {len(held) + len(failed)} findings hold")


def _control_note(doc: dict) -> str:
    """How many distinct control draws each word offered, and whether that is fewer than asked."""
    parts = []
    config = doc["config"]
    for spec, model in doc["models"].items():
        control = model["summary"][doc["primary_variant"]]["null"].get("n_control", {})
        shuffles = control.get("label_shuffle", {})
        few = {w: n for w, n in shuffles.items() if n < config["n_label_shuffles"]}
        if few:
            parts.append(f"{spec}: " + ", ".join(f"{w} {n}" for w, n in few.items()))
    if not parts:
        return ""
    return (
        "The anchors allow fewer distinct label splits than the "
        + str(config["n_label_shuffles"])
        + " asked (a split and its mirror give the same curve up to sign), so every distinct split is used: "
        + "; ".join(parts)
        + ". "
    )


def _summary(s, doc: dict) -> None:
    variant = doc["primary_variant"]
    config = doc["config"]
    first = config["first_fit_layer"]
    s.text(
        f"The criteria of spec 001, computed on sigma in the {variant} variant (direction mode / anisotropy "
        "correction), over the judged prompts: those that declare a sense and are not blind (a causal model's "
        "target that sees no more than the neutral prompt's context; how many were left out is in each row's "
        f"detail), on layers {first} to L. Layer 0 is left out of every fit and statistic: it is the input "
        "embedding, before any block mixes in context; in Gemma it is the same vector in every sentence, so "
        "with per-layer directions sigma(0) = 0 for every prompt and every null, an 'undecided phase' built "
        "in rather than measured. l_c is the layer where the selected fit reaches half its rise, for every "
        "form."
    )
    s.text(
        "What each row tests. The amplitude ('the senses separate') is the only row the label-shuffled null "
        "tests: a shuffled 5 + 5 split keeps part of the true contrast, so its curves are smaller by design, and "
        "beating it shows the anchors separate by sense, nothing about abruptness. The spec's jump (largest "
        "one-layer step) grows with the amplitude, so it is judged scale-free: every null curve is rescaled to "
        "its real curve's range, and the row asks whether the largest step takes a larger share of the rise "
        "than in the nulls. The abruptness rows (jump, transition share) and the fit's R^2 also face a "
        "smooth-rise null: each real curve's best straight ramp or tanh at least 2 layers wide, plus its own "
        "residuals resampled over the layers; a curve that rises gradually earns these rows against it as "
        "often as not. The random-direction null is not used for the amplitude (|e_A - e_B| of random "
        "directions is about sqrt(2), far above any real contrast)."
    )
    s.text(
        f"Draws: {config['n_null_draws']} of each null at the real statistic's sample size (one control draw per "
        f"word: {config['n_label_shuffles']} label splits asked, {config['n_random_directions']} random direction "
        f"pairs and {config['n_smooth_draws']} smooth-rise curves per word). "
        + _control_note(doc)
        + floor_sentence(claims_of(doc["claims"]))
        + " Intervals: 95% percentile of a bootstrap over words, "
        "then prompts within words (items are nested in words)."
    )
    s.table(
        [
            {"claim": c.key, "model": c.model, "interval": c.interval_method or "", "detail": c.detail}
            for c in glance_claims(claims_of(doc["claims"]))
        ],
        caption="How each finding is measured (the same rows as the table at the top).",
    )
    sign_rows = []
    for spec, model in doc["models"].items():
        for correction, result in model["sign_accuracy"].items():
            acc = result["accuracy"]
            sign_rows.append(
                {
                    "model": spec,
                    "correction": correction,
                    **{group: f"{a['hits']}/{a['n']}" for group, a in acc.items()},
                }
            )
        sign_rows.append(
            {
                "model": spec,
                "correction": "null (shuffled labels)",
                "strong": value_text(model["null_sign_accuracy"]),
                "declared": "",
                "strong_seeing_context": "",
            }
        )
    s.table(
        sign_rows,
        caption="Sanity check: sign of sigma at the last layer matches the declared sense "
        "(strong prompts; all declared prompts; strong prompts whose target sees more than the neutral prompt's "
        "context). At the last layer both direction modes coincide.",
    )
    misses = [
        f"{r['word']}/{r['label']} ({spec}, sigma {r['sigma_last']:+.3f}{', sees only the neutral context' if r['blind'] else ''})"
        for spec, m in doc["models"].items()
        for r in m["sign_accuracy"][variant.split("/")[1]]["prompts"]
        if r["strength"] == "strong" and not r["match"]
    ]
    if misses:
        s.text("Strong prompts with the wrong sign: " + "; ".join(misses) + ".")
    exploratory = [Claim.from_dict(row) for rows in doc["verdict_by_variant"].values() for row in rows["claims"]]
    if exploratory:
        columns, rows = claim_table(exploratory)
        s.table(
            rows,
            columns,
            caption="The same criteria in the other variants ("
            + ", ".join(doc["verdict_by_variant"])
            + "): exploratory (not declared primary; grid fits, no bootstrap over anchors and no control nulls), so "
            "only their values and threshold columns mean anything. A criterion whose value changes across "
            "variants depends on the choice of measurement more than on the model.",
        )
    skipped = list(doc["suite"]["skipped"]) + [s_ for m in doc["models"].values() for s_ in m["skipped"]]
    if skipped:
        s.set_status("warning", f"{len(skipped)} word(s) skipped")
        s.table(skipped, caption="Words skipped, and why")


def _alignment_note(doc: dict) -> str:
    parts = []
    for spec, model in doc["models"].items():
        rows = [w["direction_alignment"]["standardised"] for w in model["words"].values()]
        if not rows:
            continue
        n = len(rows[0])
        quarter = max(1, n // 4)
        values = [r[quarter] for r in rows if r[quarter] is not None]
        if values:
            parts.append(f"{spec}: {sum(values) / len(values):.2f} at layer {quarter} of {n - 1}")
    return "; ".join(parts)


def _order(s, doc: dict, figures: dict[str, Path]) -> None:
    variant = doc["primary_variant"]
    s.text(
        "sigma(l) = cos(phi(l), e_A) - cos(phi(l), e_B): phi is the residual vector at the target word, e_A and "
        "e_B the normalised mean vectors of each sense's anchor sentences. sigma > 0 leans to the first sense. "
        "Grey band: sigma with random directions instead of e_A, e_B; orange band: sigma with anchors re-split "
        "into two sense-free groups. Both are what sigma looks like with no sense signal."
    )
    if "order_parameter" in figures:
        s.figure(
            figures["order_parameter"],
            f"sigma per prompt and layer ({variant}); red: sense A declared, blue: "
            "sense B, black: neutral; solid strong, dashed weak, dotted neutral; dash-dot: the word's l_c.",
        )
    s.text(
        "Corrections: raw cosines of residual vectors are dominated by anisotropy (Ethayarajh 2019) and, in Gemma, "
        "by a few massive-activation dimensions. 'centred' subtracts the mean of a baseline of 32 unrelated nouns "
        "at the same layer; 'standardised' also divides each dimension by the baseline's spread, so no single "
        "huge dimension decides the cosine (per-layer/centred shows the spikes this removes at Gemma's layers 1 "
        "and 3)."
    )
    s.text(
        "Direction modes: 'final' (the spec's) compares every layer with the last layer's sense directions; "
        "'per-layer' uses directions taken at the same layer. The right column below measures how far the "
        "final-layer sense contrast matches each layer's own contrast (cosine of e_A - e_B at l with that at "
        f"L; {_alignment_note(doc)}). Where it is small, final-mode sigma is small because the representation has "
        "not yet rotated into the last layer's basis, not because the sense is undecided: the sign accuracy by "
        "layer (per-layer mode) shows when the sense is already readable."
    )
    if "order_parameter_variants" in figures:
        s.figure(
            figures["order_parameter_variants"],
            "Every variant for the declared-sense prompts; right: "
            "alignment of final-layer directions with each layer, and sign accuracy by layer.",
        )
    blind = sorted(
        {
            f"{w}/{p['label']}"
            for m in doc["models"].values()
            if m["facts"]["causal"]
            for w, wd in m["words"].items()
            for p in wd["prompts"]
            if p["blind"]
        }
    )
    if blind:
        s.text(
            "In a causal model the target's vector sees only the words before it. These prompts give their "
            "target no more context than the neutral prompt, so their sigma equals the neutral one on the causal "
            "model(s): " + ", ".join(blind) + ". They are drawn faded and counted as measured."
        )
    notes = {m["facts"]["note"] for m in doc["models"].values() if m["facts"].get("note")}
    for note in notes:
        s.text(note)


_SHORT = {"second_order": "2nd", "tanh": "tanh", "step": "step"}


def _fits(s, doc: dict, figures: dict[str, Path]) -> None:
    variant = doc["primary_variant"]
    s.text(
        "Forms: second order c + A (l - l_c)^beta above l_c (mean field beta = 1/2), tanh crossover "
        "c + A tanh(kappa (l - l_c)), first-order step c + A [l > l_c]. The offset c is the level below the "
        "transition. Chosen by " + doc["config"]["selection"].upper() + " (AIC with the small-sample correction "
        "when 'aicc': a 7-layer model has only 7 points). Intervals: 2.5-97.5 percentiles over "
        f"{doc['config']['n_bootstrap']} resamples of the anchor sentences (directions, sigma and fits recomputed)."
    )
    if "fits" in figures:
        s.figure(figures["fits"], "Measured sigma (points) and the selected fit (lines) of each declared-sense prompt.")
    rows = []
    for spec, model in doc["models"].items():
        for name, word in model["words"].items():
            for p in word["prompts"]:
                fit = p["fits"][variant]
                best = fit[fit["best"]]
                freq = p.get("bootstrap_selection_frequency") or {}
                rows.append(
                    {
                        "model": spec,
                        "word": name,
                        "prompt": p["label"],
                        "selected": _SHORT[fit["best"]],
                        "l_c [CI]": _interval(best, "l_c"),
                        "beta, 2nd order [CI]": _interval(fit["second_order"], "beta")
                        + (" (bound)" if "beta" in fit["second_order"]["at_bound"] else ""),
                        "R^2": best["r2"],
                        "AICc 2nd / tanh / step": " / ".join(value_text(fit[k]["aicc"], 3) for k in _SHORT),
                        "chosen in resamples": ", ".join(f"{_SHORT[k]} {v:.0%}" for k, v in freq.items() if v > 0),
                    }
                )
    s.table(rows, caption=f"Fits of every prompt ({variant}).")
    if "critical_exponents" in figures:
        s.figure(
            figures["critical_exponents"],
            "Left: beta of the second-order fits of the declared-sense prompts "
            "(dotted: the same under the shuffled-label null, rescaled to the same count). Right: l_c / L of the "
            "selected fits, with the median per model.",
        )
    rows = []
    for spec, model in doc["models"].items():
        stats = model["summary"][variant]["critical_exponents"]
        inner = model["summary"][variant]["critical_exponents_usable"]
        rows.append(
            {
                "model": spec,
                "judged prompts": stats["n"],
                "beta mean": stats["mean"],
                "beta std": stats["std"],
                "std/mean": stats["cv"],
                "usable: n": inner["n"],
                "usable: mean": inner["mean"],
                "usable: std/mean": inner["cv"],
            }
        )
    s.table(
        rows,
        caption="Critical exponent beta across the judged prompts (grid fits, as the verdict reads them). "
        "Usable: the selected form is second order and neither beta nor l_c is on a bound. A beta from a form "
        "the information criterion rejected describes no curve, and a beta on its bound (a rise within about "
        "one layer) is a limit, not an estimate; betas squeezed against a bound have a small std/mean for that "
        "reason alone. The verdict uses the usable ones and compares them with as many usable null betas.",
    )


def _susceptibility(s, doc: dict, figures: dict[str, Path], variant: str) -> None:
    s.text(
        "chi(l) = |sigma_hint(l) - sigma_base(l)| with the hint word put before the base prompt ('money. The "
        "bank'), the finite-difference response to an external field of one word. The spec expects its peak at "
        "the critical layer."
    )
    if "susceptibility" in figures:
        s.figure(
            figures["susceptibility"],
            "chi per hint (thin) and its mean (black); dotted: peak of the mean; dash-dot: the word's l_c.",
        )
    rows = []
    for spec, model in doc["models"].items():
        for name, word in model["words"].items():
            entry = word["susceptibility"].get(variant)
            if entry:
                rows.append(
                    {
                        "model": spec,
                        "word": name,
                        "peak layer (mean chi)": entry["peak_layer"],
                        "l_c": entry["l_c"],
                        "|peak - l_c|": entry["distance"],
                        "peak per hint": ", ".join(f"{h} {d['peak_layer']}" for h, d in entry["hints"].items()),
                    }
                )
    s.table(rows, caption="Where chi peaks against the fitted critical layer.")


def _qk(s, doc: dict, figures: dict[str, Path]) -> None:
    s.text(
        "The spec flattens W_Q[h]^T W_K[h] (d_head x d_head). That matrix is not a property of the head: "
        "W_Q -> W_Q M, W_K -> W_K M^-T leaves every attention score unchanged for any invertible M but changes "
        "W_Q^T W_K, and each head may use its own M. The bilinear form on the residual stream, W_QK = W_Q W_K^T "
        "(d_model x d_model), is invariant; it is the one analysed. The spec's version is shown beside it, dotted."
    )
    if "qk_pca" in figures:
        s.figure(
            figures["qk_pca"],
            "Cumulative explained variance of the flattened forms of all layers x query heads; "
            "grey: the same PCA of random Gaussian W_Q, W_K with the model's shapes and key-head sharing.",
        )
    rows = []
    for spec, model in doc["models"].items():
        pca = model.get("qk_pca")
        if not pca:
            continue
        for kind, group in (("measured", pca["forms"]), ("random weights", pca["random_weights"])):
            for form, curve in group.items():
                rows.append(
                    {
                        "model": spec,
                        "weights": kind,
                        "form": form,
                        "matrices": curve["n_samples"],
                        **{f"{k} comps": v for k, v in curve["at"].items()},
                        "|cos| within layer": curve["within_layer_cosine"],
                        "|cos| across layers": curve["across_layer_cosine"],
                    }
                )
    s.table(rows, caption="Cumulative explained variance at 5/10/20/50 components (n/a beyond matrices - 1).")
    _projection(s, doc, figures)
    s.text(
        "Grouped KV heads (Gemma-3-270M: 4 query heads read 1 key head): the 4 forms of a layer share their key "
        "side W_K, so they lie in one subspace of rank <= d_head, and the PCA has 4 samples per layer that are "
        "not independent draws. Sharing alone does not correlate them (random weights with the same sharing: "
        "|cos| within layer near 0); the measured within-layer |cos| is what training put there. "
        "QK-norm: Gemma normalises each head's query and key before the dot product (gains folded into W_Q, W_K "
        "here); the scale of W_QK then does not set how sharply a head attends, which 'residual_unit' (each form "
        "scaled to unit norm) removes. Rotary embeddings: the form at relative distance k is W_Q R(k) W_K^T; "
        "the PCA reads k = 0. Biases (MiniLM) and the input norm are left out."
    )


def _projection(s, doc: dict, figures: dict[str, Path]) -> None:
    s.text(
        "Is the order direction a combination of a few W_QK components? e_A(l) - e_B(l) (centred) is projected "
        "onto the top principal directions of block l's forms W_Q W_K^T (input-norm gain folded in), on the "
        "query side (what the target reads) and the key side (what it offers); the share of its squared norm "
        "in the top k is compared with random unit vectors (k / d_model on average) and with the contrasts of "
        "label-shuffled anchors (every distinct split of the anchors)."
    )
    if "qk_projection" in figures:
        s.figure(figures["qk_projection"], "Share of |e_A - e_B|^2 in the top k W_QK directions, per layer.")
    rows = []
    for spec, model in doc["models"].items():
        projection = model.get("qk_projection")
        if not projection:
            continue
        for side, entry in projection["sides"].items():
            for j, k in enumerate(projection["ks"]):
                shuffled = entry["shuffled"]
                rows.append(
                    {
                        "model": spec,
                        "side": side,
                        "k": k,
                        "share (mean over layers)": entry["mean_over_layers"][j],
                        "random k/d": projection["expected_random"][j],
                        "shuffled p50 (mean over layers)": (
                            sum(r[j] for r in shuffled["p50"]) / len(shuffled["p50"]) if shuffled["n_draws"] else None
                        ),
                    }
                )
    s.table(
        rows,
        caption="Exp. 6: the order direction's share in the top k W_QK directions (mean over the residual "
        f"layers {doc['config']['first_fit_layer']} to L - 1, each read by the block of the same index).",
    )
    projection_claims = [c for c in claims_of(doc["claims"]) if (c.key or "").startswith("qk_projection")]
    if projection_claims:
        columns, table = claim_table(projection_claims)
        s.table(
            table,
            columns,
            caption="The projection's claims at every k: per model and side one finding, at the k "
            "picked by the smallest max-T adjusted p (in the findings table at the top); the other k's "
            "exploratory, not decided.",
        )


def _inputs(s, doc: dict) -> None:
    rows = []
    for spec, model in doc["models"].items():
        cap = model["capture"]
        rows.append(
            {
                "model": spec,
                "layers": model["facts"]["n_layers"],
                "d_model": model["facts"]["d_model"],
                "causal": model["facts"]["causal"],
                "requests": cap["n_requests"],
                "distinct": cap["n_distinct"],
                "from cache": cap["n_cached"],
                "forwarded": cap["n_forwarded"],
                "capture (s)": cap["seconds"],
                "model total (s)": model["seconds"],
            }
        )
    s.table(rows, caption="Each distinct (prompt, target) is forwarded at most once per run; cached ones not at all.")
    first = next(iter(doc["models"].values()))
    rows = []
    for name, word in first["words"].items():
        rows.append(
            {
                "word": name,
                "source": word["source"],
                "senses (A / B)": " / ".join(word["senses"]),
                "anchors": " / ".join(str(len(word["anchors"][s_])) for s_ in word["senses"]),
                "prompts": len(word["prompts"]),
                "hints": ", ".join(word["hints"]),
                "gradient": ", ".join(word["gradient"]),
                "notes": "; ".join(word["notes"].values()),
            }
        )
    s.table(rows, caption=f"Words (suite source: {doc['suite']['source']}).")
    s.code(json.dumps(doc["config"], indent=1), caption="Settings (PhaseConfig)")
