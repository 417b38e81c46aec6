"""Spec 000 §4.4 coupled to a language model: the melt / guide / crystallise cycle as a decoder.

coupling     the micro-cycle on a model's next-token distribution
decoders     greedy, temperature sampling and the Langevin decoder, batched generation
textmetrics  repetition rate, distinct-n, perplexity
comparison   the decoders side by side on a fixed prompt set
"""
