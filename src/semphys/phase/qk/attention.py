"""What the top W_QK components attend to (spec 001, future experiment C: 基底の「意味」の解読).

The spec: take the top components of the W_QK PCA, look at the attention patterns that go with them,
and classify each component by the kind of attention it stands for.

Here, per model:
1. the PCA of its residual-stream forms W_Q[h] W_K[kv(h)]^T, each scaled to unit norm (the
   basis-invariant form, `qk_pca`'s `residual_unit`); every head has a score on each component;
2. for each of the top `n_components`, the `heads_per_component` heads with the largest |score|
   (the sign says which end of the axis the head sits on);
3. each head's attention on the built-in prompts and anchors (spec 001's bank, bat, crane), run
   through the model's own eager attention, summarised as shares of the attention of every query
   token (after the first) that fall on:
       first     the first token (position 0: Gemma's <bos>, BERT's [CLS]: the attention sink)
       previous  the token just before the query
       same word the other tokens of the query's own word, and the query itself
       target    the tokens of the prompt's target word (bank, bat, crane)
       other     everything else
   in that order of precedence, so that the shares of a head sum to 1;
4. a component's shares are the mean over its top heads. The reference is what the same shares are
   under uniform attention over the same visible tokens (a causal query sees itself and the tokens
   before it, an encoder's every token), and the mean over all heads of the model. A component's
   `kind` is the category whose share exceeds its uniform share the most.
"""

import re
from dataclasses import dataclass

import numpy as np
import torch

from semphys.lm import LM, find_word
from semphys.lm.attention_patterns import attention_patterns
from semphys.phase.inputs.builtin import BUILTIN
from semphys.phase.qk.basis import gram, residual_forms
from semphys.phase.qk.pca import HeadWeights, principal_scores

CATEGORIES: tuple[str, ...] = ("first", "previous", "same_word", "target", "other")


@dataclass(frozen=True)
class AttentionConfig:
    """Experiment C settings (spec 001, 発展実験 C)."""

    n_components: int = 5
    """Top W_QK components to decode (five: spec 001 §8.C reads the leading components)."""
    heads_per_component: int = 3
    """Heads with the largest |score| on each component."""


def builtin_texts() -> list[tuple[str, str]]:
    """(text, target word) for every built-in prompt and anchor sentence (47 texts)."""
    texts = []
    for word in BUILTIN.values():
        texts += [(prompt.text, word.word) for prompt in word.prompts]
        texts += [(anchor, word.word) for sense in word.senses for anchor in word.anchors[sense]]
    return texts


def category_masks(text: str, target: str, offsets: tuple[tuple[int, int], ...], causal: bool) -> np.ndarray:
    """[len(CATEGORIES), L, L] boolean: which (query i, key j) pairs fall in each category (rows i >= 1 only)."""
    n = len(offsets)
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    word_of = np.full(n, -1)
    for index, (start, end) in enumerate(offsets):
        for w, (w_start, w_end) in enumerate(words):
            if end > start and start < w_end and end > w_start:
                word_of[index] = w
                break
    t_start, t_end = find_word(text, target)
    in_target = np.array([end > start and start < t_end and end > t_start for start, end in offsets])
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    visible = (j <= i) if causal else np.ones((n, n), dtype=bool)
    first = visible & (j == 0)
    previous = visible & (j == i - 1) & ~first
    same = visible & (word_of[i] == word_of[j]) & ((word_of[i] >= 0) | (i == j)) & ~first & ~previous
    target_mask = visible & in_target[j] & ~first & ~previous & ~same
    other = visible & ~first & ~previous & ~same & ~target_mask
    masks = np.stack([first, previous, same, target_mask, other])
    masks[:, 0, :] = False  # the first query sees only itself
    return masks


@dataclass(frozen=True)
class HeadShares:
    """Attention shares of every head of a model on the built-in texts."""

    shares: np.ndarray
    """[n_layers, n_heads, len(CATEGORIES)], each row sums to 1."""
    uniform: np.ndarray
    """[len(CATEGORIES)] the same shares under uniform attention over the visible tokens."""
    n_texts: int
    n_queries: int


def pattern_shares(pattern: torch.Tensor, masks: np.ndarray) -> np.ndarray:
    """Summed shares of one text: pattern [layers, heads, L, L], masks [C, L, L] -> [layers, heads, C]."""
    return torch.einsum("lhij,cij->lhc", pattern, torch.from_numpy(masks).float()).numpy()


def uniform_shares(masks: np.ndarray) -> np.ndarray:
    """Summed shares of uniform attention over each query's visible tokens: [C]."""
    visible = masks.sum(0).sum(-1, keepdims=True)
    return (masks / np.maximum(visible, 1)).sum((1, 2))


def head_shares(lm: LM, texts: list[tuple[str, str]]) -> HeadShares:
    """Mean shares per head over every query token (after the first) of every text."""
    patterns = attention_patterns(lm, [text for text, _ in texts])
    total = np.zeros((lm.facts.n_layers, lm.facts.n_heads, len(CATEGORIES)))
    uniform = np.zeros(len(CATEGORIES))
    n_queries = 0
    for (text, target), pattern, offsets in zip(texts, patterns.patterns, patterns.offsets):
        masks = category_masks(text, target, offsets, lm.facts.causal)
        total += pattern_shares(pattern, masks)
        uniform += uniform_shares(masks)
        n_queries += len(offsets) - 1
    return HeadShares(total / n_queries, uniform / n_queries, len(texts), n_queries)


@dataclass(frozen=True)
class Component:
    """One top W_QK component: its explained variance, its heads and what they attend to."""

    index: int
    explained: float
    heads: tuple[tuple[int, int, float], ...]
    """(layer, head, score) of its top heads by |score|."""
    shares: np.ndarray
    """[len(CATEGORIES)] mean over its top heads."""
    kind: str
    """The category most above its share under uniform attention."""
    kind_vs_all: str
    """The category most above its share in the mean of all the model's heads."""

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "explained": self.explained,
            "heads": [{"layer": layer, "head": head, "score": score} for layer, head, score in self.heads],
            "shares": dict(zip(CATEGORIES, self.shares.tolist())),
            "kind": self.kind,
            "kind_vs_all": self.kind_vs_all,
        }


def kind_of(shares: np.ndarray, uniform: np.ndarray) -> str:
    """The category whose share exceeds its uniform share the most."""
    return CATEGORIES[int(np.argmax(shares - uniform))]


def top_components(heads: HeadWeights, shares: HeadShares, config: AttentionConfig) -> list[Component]:
    """The top components of the model's residual_unit PCA and their heads' attention shares."""
    with torch.no_grad():
        explained, scores = principal_scores(gram(residual_forms(heads)), config.n_components)
    all_heads = shares.shares.reshape(-1, len(CATEGORIES)).mean(0)
    first_of_layer = {layer: int(np.argmax(heads.layer_of == layer)) for layer in np.unique(heads.layer_of)}
    components = []
    for j in range(scores.shape[1]):
        order = np.argsort(-np.abs(scores[:, j]))[: config.heads_per_component]
        chosen = tuple(
            (int(heads.layer_of[i]), int(i - first_of_layer[heads.layer_of[i]]), float(scores[i, j])) for i in order
        )
        mean = np.mean([shares.shares[layer, head] for layer, head, _ in chosen], axis=0)
        components.append(
            Component(j + 1, float(explained[j]), chosen, mean, kind_of(mean, shares.uniform), kind_of(mean, all_heads))
        )
    return components
