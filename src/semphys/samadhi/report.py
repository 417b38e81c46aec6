"""The headline figures of a `semphys samadhi eval` result as plain text (CLI and demo share it)."""


def summary_table(result: dict) -> str:
    """The headline figures of an evaluation (an eval.json document) as plain text, one claim a line.

    Verdict rows of kind `design` (true by construction) read DESIGN, not HOLDS."""
    c, g = result["concepts"], result["gate"]
    lines = [f"concept accuracy (held-out, {c['n_windows']} windows, {c['n_concepts']} concepts): "
             f"winner probe {c['winner_probe']:.3f} | nearest centroid {c['baselines']['nearest_centroid']:.3f} | "
             f"linear probe {c['baselines']['linear_probe']:.3f} | spec untrained {c['baselines']['spec_untrained_vitakka']:.3f}"
             f" | chance {c['baselines']['chance']:.3f}",
             f"gate AUROC real vs random {g['auroc']['random']:.3f}, vs shuffled {g['auroc']['shuffled']:.3f}, "
             f"vs both {g['auroc']['noise']:.3f} (spec untrained {g['baselines']['spec_untrained_vitakka']['noise']:.3f}, "
             f"linear classifier {g['baselines']['linear_classifier']['noise']:.3f}); held out: "
             + ", ".join(f"{k} {g['auroc'][k]:.3f} (spec untrained {g['baselines']['spec_untrained_vitakka'][k]:.3f},"
                         f" linear {g['baselines']['linear_classifier'][k]:.3f})" for k in g["held_out_noise"])
             + f"; open at theta {g['theta']}: "
             + ", ".join(f"{k} {v:.2f}" for k, v in g["open_rate"].items())]
    for variant, v in result["variants"].items():
        r = v["refinement"]
        if not r.get("n_open"):
            lines.append(f"{variant}: no window opened the gate")
            continue
        lines.append(f"{variant}: steps median {r['steps']['median']:g} (IQR {r['steps']['q1']:g}-{r['steps']['q3']:g}, "
                     f"converged {r['converged']:.2f}); Anderson median {r['anderson']['steps']['median']:g}, "
                     f"plain/Anderson evaluations {r['anderson']['evaluations_ratio_plain_over_anderson']:.2f}; "
                     f"concept probe on S_final {v['retention']['concept_probe_on_s_final']:.3f} vs S_0 "
                     f"{v['retention']['concept_probe_on_s0']:.3f}; I_NCE(S_T; S_0) {v['retention']['mi_nats']:.2f} nats")
    lines.append("verdict:")
    for row in result["verdict"]:
        base = "" if row["baseline"] is None else f" (baseline {row['baseline']:.4g})"
        status = "HOLDS " if row["holds"] else "FAILS "
        if row["kind"] == "design":
            status = "DESIGN" if row["holds"] else "FAILS "  # true by construction: a property, not evidence
        lines.append(f"  {status} {row['claim']}: {row['value']:.4g}{base}")
    return "\n".join(lines)
