"""semphys.langevin.measure: is a language model's own inference the constrained Langevin process of spec 000?

Two clocks:
- layer time (lines of thought, Sarfati et al. ICLR 2025): the last token's residual direction across
  layers, fitted by the Lines-of-Thought transport and by spec 000 §4.2's overdamped sphere Langevin
  (Kramers-Moyal), scored on held-out windows against nulls;
- token time (spec 000 §4.4's generation clock): x_t = sqrt(p_t) and the last-layer residual direction
  along real and sampled text: relaxation, the FEP as a predictor, temperature as a probe.

Rooms:
    geometry       log / exp maps of the sphere
    steps          the shared one-layer step form; the nulls (random walk, constant drift, deterministic);
                   held-out log-likelihood and one-step error (`score`)
    kramers_moyal  overdamped sphere Langevin fitted from increments
    transport      the Lines-of-Thought transport + Gaussian residual
    layerfit       per-layer and time-homogeneous fits, rank chosen on validation
    ensembles      simulation through `semphys.langevin.sde.engine`; ensemble comparison and its paired tests
    relaxation     lag overlaps and the exp(-k / tau) vs flat fit
    prediction     the FEP vs raw, running mean and shuffled predictors, from a Gram matrix
    fluctuation    spread against temperature, Hessians (fluctuation-dissipation)
    vocab          full-vocabulary reductions on the fly (sqrt(p) Gram, KL, agreement)
    windows        WordNet windows and their cached lines of thought
    layer_time     the layer clock: fits, held-out scores, ensembles, next-token KL
    token_time     the token clock: relaxation, FEP, temperature probe, lens switching (logit lenses against
                   the x^2 read-out, spec 000 §4.5)
    verdict        one `evidence.Claim` per row, and the claims not operationalised

The command `semphys langevin measure` (its config, the resumable run, measure.json, report.html) is the
experiment `semphys.experiments.langevin.measure`.
"""
