"""PCA of the attention bilinear forms W_QK over all layers and heads (spec 001, exp. 6).

Which matrix. Head h scores a query vector x against a key vector y by x W_Q[h] W_K[h]^T y^T. The
bilinear form on the residual stream is therefore W_QK = W_Q W_K^T, [d_model, d_model] (`residual`).
The spec's code flattens W_Q[h]^T W_K[h], [d_head, d_head] (`head_spec`), which is not a property of
the head: replacing W_Q -> W_Q M and W_K -> W_K M^-T for any invertible M leaves every attention
score unchanged but turns W_Q^T W_K into M^T W_Q^T W_K M^-T. Each head may use its own M, so
comparing flattened d_head x d_head matrices across heads compares arbitrary bases. `residual` is
invariant (W_Q M M^-1 W_K^T = W_Q W_K^T); `head_spec` is reported beside it because the spec asks
for it, not because it means something.

Also reported: `residual_unit`, each W_QK divided by its Frobenius norm before PCA (only the shape
of each form, not its scale), and a null: the same PCA on random Gaussian W_Q, W_K of the model's
shapes, with the same sharing of key heads.

What the reading leaves out (see `semphys.lm.attention`):
- grouped-query attention: Gemma-3-270M's 4 query heads share one key head, so the 4 forms of a
  layer share their right factor W_K: their key sides lie in the same subspace of rank <= d_head,
  and the PCA's 4 samples per layer are not independent draws. Sharing alone does not make them
  similar entry by entry: with random weights and the same sharing, the mean |cos| between a
  layer's forms is about 0.01 (`within_layer_cosine` of the null); Gemma's measured 0.21 (against
  0.02 across layers) is learned.
- QK-norm (Gemma): queries and keys are RMS-normalised per head before the dot product, and the
  learned gains are folded into W_Q, W_K here. The normalisation is not linear: a head's score
  depends on the directions of x W_Q and y W_K only, so the overall scale of W_QK does not set how
  sharp the head attends. `residual_unit` removes that scale.
- rotary embeddings (Gemma): the form at relative distance k is W_Q R(k) W_K^T with a
  position-dependent rotation R(k) inside the head; the PCA is of the k = 0 form.
- the input norm before attention (its gain is not folded in), the query/key biases (GPT-2, BERT)
  and the softmax scale.
"""

from dataclasses import dataclass

import numpy as np
import torch

from semphys.lm import LM, qk_weights

FORMS: tuple[str, ...] = ("residual", "residual_unit", "head_spec")


@dataclass(frozen=True)
class PCACurve:
    """Explained variance of one set of flattened matrices."""

    form: str
    n_samples: int
    """Matrices (layers x query heads)."""
    dim: int
    """Entries per matrix."""
    explained: np.ndarray
    """[n_samples - 1] explained-variance ratio per component, descending."""
    at: dict[int, float | None]
    """Cumulative explained variance at the asked component counts (None beyond n_samples - 1)."""
    within_layer_cosine: float
    """Mean |cos| between flattened forms of different heads in the same layer (NaN with one head)."""
    across_layer_cosine: float
    """Mean |cos| between flattened forms of heads in different layers."""

    @property
    def cumulative(self) -> np.ndarray:
        return np.cumsum(self.explained)

    def to_dict(self) -> dict:
        return {
            "form": self.form,
            "n_samples": self.n_samples,
            "dim": self.dim,
            "explained": self.explained.tolist(),
            "cumulative": self.cumulative.tolist(),
            "at": {str(k): v for k, v in self.at.items()},
            "within_layer_cosine": self.within_layer_cosine,
            "across_layer_cosine": self.across_layer_cosine,
        }


@dataclass(frozen=True)
class QKPCA:
    """Exp. 6 for one model: the three forms and the random-weight null of each."""

    curves: dict[str, PCACurve]
    null: dict[str, PCACurve]
    n_layers: int
    n_heads: int
    n_kv_heads: int
    qk_norm: bool
    rotary: bool

    def to_dict(self) -> dict:
        return {
            "n_layers": self.n_layers,
            "n_heads": self.n_heads,
            "n_kv_heads": self.n_kv_heads,
            "qk_norm": self.qk_norm,
            "rotary": self.rotary,
            "forms": {form: curve.to_dict() for form, curve in self.curves.items()},
            "random_weights": {form: curve.to_dict() for form, curve in self.null.items()},
        }


def _pca_from_gram(gram: np.ndarray) -> np.ndarray:
    """Explained-variance ratios from an uncentred Gram matrix X X^T of n samples (centred here)."""
    n = len(gram)
    centring = np.eye(n) - 1.0 / n
    values = np.linalg.eigvalsh(centring @ gram @ centring)[::-1]
    values = np.clip(values, 0.0, None)[: max(n - 1, 0)]
    total = values.sum()
    return values / total if total > 0 else values


def principal_scores(gram: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(explained-variance ratios [n - 1], scores [n, min(k, n - 1)]) from an uncentred Gram matrix of n samples.

    The score of sample i on component j is its coordinate along that principal axis,
    sqrt(lambda_j) u_j[i] with (lambda_j, u_j) the j-th eigenpair of the centred Gram matrix.
    """
    n = len(gram)
    centring = np.eye(n) - 1.0 / n
    values, vectors = np.linalg.eigh(centring @ gram @ centring)
    values, vectors = np.clip(values[::-1], 0.0, None)[: max(n - 1, 0)], vectors[:, ::-1][:, : max(n - 1, 0)]
    total = values.sum()
    kept = min(k, len(values))
    return (values / total if total > 0 else values), vectors[:, :kept] * np.sqrt(values[:kept])


@dataclass(frozen=True)
class HeadWeights:
    """Every layer's W_Q, W_K of one model (QK-norm gains folded), as exp. 6 reads them."""

    w_q: list[torch.Tensor]
    """Per layer [n_heads, d_model, d_head]."""
    w_k: list[torch.Tensor]
    """Per layer [n_kv_heads, d_model, d_head]."""
    kv: list[torch.Tensor]
    """Per layer [n_heads]: the key head each query head reads."""
    layer_of: np.ndarray
    """[n_layers * n_heads] the layer of each query head, in order."""
    qk_norm: bool
    rotary: bool


def head_weights(lm: LM) -> HeadWeights:
    """W_Q, W_K of every layer and head of a loaded model."""
    w_q, w_k, kv, layer_of = [], [], [], []
    qk_norm = rotary = False
    with torch.no_grad():
        for layer in range(lm.facts.n_layers):
            weights = qk_weights(lm, layer)
            qk_norm, rotary = weights.qk_norm, weights.rotary
            w_q.append(weights.W_Q.float())
            w_k.append(weights.W_K.float())
            kv.append(torch.tensor([weights.kv_head(h) for h in range(weights.n_heads)]))
            layer_of += [layer] * weights.n_heads
    return HeadWeights(w_q, w_k, kv, np.array(layer_of), qk_norm, rotary)


def random_head_weights(like: HeadWeights, generator: torch.Generator) -> HeadWeights:
    """Gaussian W_Q, W_K with the heads, key-head sharing and d_head of `like`, at a quarter of d_model (>= 64).

    The spectrum of n independent random matrices depends on n, not on their size, once they have many
    more entries than n; the narrower width keeps the null cheap.
    """
    r_q, r_k = [], []
    for q, k in zip(like.w_q, like.w_k):
        h, d, d_head = q.shape
        width = max(d // 4, 64)
        r_q.append(torch.randn((h, width, d_head), generator=generator))
        r_k.append(torch.randn((k.shape[0], width, d_head), generator=generator))
    return HeadWeights(r_q, r_k, like.kv, like.layer_of, like.qk_norm, like.rotary)


def explained_variance(samples: torch.Tensor) -> np.ndarray:
    """PCA explained-variance ratios of [n, dim] samples, from the n x n Gram matrix (dim may be huge)."""
    return _pca_from_gram((samples @ samples.T).double().numpy())


def _curve(form: str, gram: np.ndarray, dim: int, layer_of: np.ndarray, components: tuple[int, ...]) -> PCACurve:
    """One form's PCA and head cosines from its uncentred Gram matrix."""
    explained = _pca_from_gram(gram)
    cumulative = np.cumsum(explained)
    at = {k: (float(cumulative[k - 1]) if k <= len(cumulative) else None) for k in components}
    norms = np.sqrt(np.clip(np.diag(gram), 1e-300, None))
    cos = np.abs(gram / norms[:, None] / norms[None, :])
    same = layer_of[:, None] == layer_of[None, :]
    off = ~np.eye(len(cos), dtype=bool)
    within, across = cos[same & off], cos[~same]
    return PCACurve(
        form,
        len(gram),
        dim,
        explained,
        at,
        float(within.mean()) if within.size else float("nan"),
        float(across.mean()) if across.size else float("nan"),
    )


def _grams(
    w_q: list[torch.Tensor], w_k: list[torch.Tensor], kv: list[torch.Tensor]
) -> dict[str, tuple[np.ndarray, int]]:
    """Uncentred Gram matrices of every form over all layers: form -> (gram [n, n], entries per matrix).

    w_q[l]: [H, d, d_head], w_k[l]: [H_kv, d, d_head], kv[l]: [H]. `residual_unit` is the residual Gram
    with each matrix scaled to unit norm, so only two large Gram products are computed.
    """
    residual = torch.cat([(q @ k[h].transpose(1, 2)).flatten(1) for q, k, h in zip(w_q, w_k, kv)])
    head = torch.cat([(q.transpose(1, 2) @ k[h]).flatten(1) for q, k, h in zip(w_q, w_k, kv)])
    gram = (residual @ residual.T).double().numpy()
    norms = np.sqrt(np.clip(np.diag(gram), 1e-300, None))
    return {
        "residual": (gram, residual.shape[1]),
        "residual_unit": (gram / norms[:, None] / norms[None, :], residual.shape[1]),
        "head_spec": ((head @ head.T).double().numpy(), head.shape[1]),
    }


def qk_pca(lm: LM, components: tuple[int, ...] = (5, 10, 20, 50), seed: int = 0) -> QKPCA:
    """Exp. 6 on a loaded model (every layer, every query head), with the null of `random_head_weights`."""
    generator = torch.Generator().manual_seed(seed)
    heads = head_weights(lm)
    null = random_head_weights(heads, generator)
    with torch.no_grad():
        measured = _grams(heads.w_q, heads.w_k, heads.kv)
        random = _grams(null.w_q, null.w_k, null.kv)
    layers = heads.layer_of
    return QKPCA(
        curves={form: _curve(form, gram, dim, layers, components) for form, (gram, dim) in measured.items()},
        null={form: _curve(form, gram, dim, layers, components) for form, (gram, dim) in random.items()},
        n_layers=lm.facts.n_layers,
        n_heads=lm.facts.n_heads,
        n_kv_heads=lm.facts.n_kv_heads,
        qk_norm=heads.qk_norm,
        rotary=heads.rotary,
    )
