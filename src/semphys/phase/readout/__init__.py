"""The held-out sense readout (spec 001 §実験1 read at scale): can a word's WordNet sense be read from
the residual stream at each layer, with directions and thresholds from text that is never scored?

    items        WordNet test items by lexicographer file, causal-blind items
    prompts      the items of a user's prompts file
    centroid     nearest-centroid readout, leave-one-out, nulls
    bimodality   is the per-item margin bimodal at a layer?
    claims       the readout's landmarks as evidence claims

The command, `semphys phase readout`, is the experiment `semphys.experiments.phase.readout`.
"""
