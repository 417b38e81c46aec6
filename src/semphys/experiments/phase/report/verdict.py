"""The verdict of a phase run in its report: the findings at a glance, the verdict's section (what each
row tests, the draws, the sign check, the other variants), and the same findings as plain text for the
command line (`verdict_lines`).
"""

from semphys.evidence import Claim, claim_table


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


def glance(s, doc: dict) -> None:
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


def summary(s, doc: dict) -> None:
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
