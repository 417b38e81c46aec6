"""Spec 001 §実験6: the W_QK = W_Q W_K^T basis over layers and heads.

    attention   the query-key product of a model's attention weights
    basis       the PCA of W_QK per layer, with random-weight draws as its null
    pca         qk_pca: the explained-variance curves of one model
    projection  the share of an order direction e_A - e_B in the top W_QK directions, with nulls

The command, `semphys phase qk-pca`, is the experiment `semphys.experiments.phase.qk_pca`.
"""
