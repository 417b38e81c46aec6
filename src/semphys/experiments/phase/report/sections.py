"""The report's sections on the experiments of a phase run: 1 (the order parameter), 2 (the fits and
critical exponents), 4 (the susceptibility) and 6 (the W_QK basis and the order direction's projection on
it), and the inputs, caching and settings.
"""

import json
from pathlib import Path

from semphys.evidence import claim_table
from semphys.experiments.phase.report.verdict import claims_of, value_text


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


def order(s, doc: dict, figures: dict[str, Path]) -> None:
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


def _interval(fit: dict, name: str) -> str:
    value = fit["params"].get(name)
    if value is None:
        return ""
    ci = fit["ci"].get(name)
    return f"{value:.3g}" + (f" [{ci[0]:.3g}, {ci[1]:.3g}]" if ci else "")


def fits(s, doc: dict, figures: dict[str, Path]) -> None:
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


def susceptibility(s, doc: dict, figures: dict[str, Path], variant: str) -> None:
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


def qk(s, doc: dict, figures: dict[str, Path]) -> None:
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


def inputs(s, doc: dict) -> None:
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
