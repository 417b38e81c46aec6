"""The headline figures of a `semphys samadhi eval` result as plain text, and its claims (CLI and demo share it)."""

from semphys.evidence import Claim, claim_table, markdown_table


def claims_of(result: dict) -> list[Claim]:
    """The decided claims of an evaluation document (eval.json `claims`)."""
    return [Claim.from_dict(row) for row in result["claims"]]


def claims_columns_rows(result: dict) -> tuple[list[str], list[list[str]]]:
    """(columns, rows) of the claims table, for `semphys.core.report` `Section.table(rows, columns)`."""
    return claim_table(claims_of(result))


def summary_table(result: dict, with_claims: bool = True) -> str:
    """The headline figures of an evaluation (an eval.json document) as plain text, then (`with_claims`) its
    claims table (`evidence.markdown_table`: value, interval, threshold, nulls, adjusted p and outcome)."""
    c, g = result["concepts"], result["gate"]
    lines = [
        f"concept accuracy (held-out, {c['n_windows']} windows, {c['n_concepts']} concepts): "
        f"winner probe {c['winner_probe']:.3f} | nearest centroid {c['baselines']['nearest_centroid']:.3f} | "
        f"linear probe {c['baselines']['linear_probe']:.3f} | spec untrained {c['baselines']['spec_untrained_vitakka']:.3f}"
        f" | chance {c['baselines']['chance']:.3f}",
        f"gate AUROC real vs random {g['auroc']['random']:.3f}, vs shuffled {g['auroc']['shuffled']:.3f}, "
        f"vs both {g['auroc']['noise']:.3f} (spec untrained {g['baselines']['spec_untrained_vitakka']['noise']:.3f}, "
        f"linear classifier {g['baselines']['linear_classifier']['noise']:.3f}); held out: "
        + ", ".join(
            f"{k} {g['auroc'][k]:.3f} (spec untrained {g['baselines']['spec_untrained_vitakka'][k]:.3f},"
            f" linear {g['baselines']['linear_classifier'][k]:.3f})"
            for k in g["held_out_noise"]
        )
        + f"; open at theta {g['theta']}: "
        + ", ".join(f"{k} {v:.2f}" for k, v in g["open_rate"].items()),
    ]
    for variant, v in result["variants"].items():
        r = v["refinement"]
        if not r.get("n_open"):
            lines.append(f"{variant}: no window opened the gate")
            continue
        lines.append(
            f"{variant}: steps median {r['steps']['median']:g} (IQR {r['steps']['q1']:g}-{r['steps']['q3']:g}, "
            f"converged {r['converged']:.2f}); Anderson median {r['anderson']['steps']['median']:g}, "
            f"plain/Anderson evaluations {r['anderson']['evaluations_ratio_plain_over_anderson']:.2f}; "
            f"concept probe on S_final {v['retention']['concept_probe_on_s_final']:.3f} vs S_0 "
            f"{v['retention']['concept_probe_on_s0']:.3f}; I_NCE(S_T; S_0) {v['retention']['mi_nats']:.2f} nats"
        )
    if with_claims:
        lines += ["", "claims:", markdown_table(claims_of(result))]
    return "\n".join(lines)
