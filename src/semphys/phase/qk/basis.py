"""The W_QK basis across models (spec 001, future experiment B: 複数モデルの普遍基底のPCA).

The spec: collect the W_QK of GPT-2, Gemma-2, LLaMA, Mistral, Qwen, ..., pool them into one PCA, plot
the cumulative explained variance against the number of components, and ask whether 16 to 32
components explain 90% or more.

Two forms per head (see `semphys.phase.qk.pca` for why both):
- `head_spec`: the spec's W_Q[h]^T W_K[kv(h)], d_head x d_head. Pooled across the models that share
  d_head. It is not a property of the head: any invertible M per head (W_Q M, W_K M^-T) leaves every
  attention score alone and changes it.
- `residual`: W_Q[h] W_K[kv(h)]^T on the residual stream, d_model x d_model, invariant under that
  change of basis, and reported per model only: two models' residual bases are unrelated (rotating
  one model's whole residual stream gives another model with the same function), so pooling them
  would compare arbitrary bases.
Models that share no d_head are shown side by side: each model's own spectra are always reported.

Deviation from the spec, and why: each matrix is scaled to unit Frobenius norm before the PCA. The
scales of W_QK differ by orders of magnitude between models (and under QK-norm do not set how sharp a
head attends), so a raw pooled PCA would be the PCA of whichever model has the largest weights.

Controls, at the same number of matrices as the measurement:
- `random`: Gaussian W_Q, W_K with each model's heads, key-head sharing and d_head
  (`qk_pca.random_head_weights`). n independent random matrices spread their variance evenly over
  n - 1 components, so 90% needs about 0.9 (n - 1): with fewer than about 37 matrices even random
  weights reach 90% within 32 components, and the spec's criterion says nothing (the claim fails
  against its null).
- `scrambled` (head_spec only): the model's own heads after a random orthogonal change of basis
  M inside each key group (W_Q[h] M, W_K[g] M): every W_QK, and every attention score of a model
  without rotary embeddings and QK-norm, is unchanged, while head_spec becomes M^T (W_Q^T W_K) M.
  Whatever structure survives the scramble belongs to the function; what it destroys belonged to the
  basis the weights happen to be written in.

Each curve (one model's head_spec and residual, each pooled head_spec group) is one `evidence.Claim`
(`basis_claim`): value, the measured share of variance in 32 components; threshold 0.9 from the spec;
null, the same share of `n_random` random-weight draws at the same number of matrices and shapes
(`random_shares`); interval, a delete-one-layer jackknife over the matrices (`jackknife_interval`).
`evidence.decide` decides it. With too few matrices the null reaches 0.9 too and the claim fails
against it, as a claim that says nothing must.

The scramble is not a null of this claim. It keeps every head's function by construction, so structure
that survives it is structure of the function, which is what the claim is about; a claim that had to
beat it would have to be structure of the basis the weights are written in, the opposite. It is
reported beside the claim (`summary`'s scrambled share) as a descriptive control, and its invariance
(every W_Q W_K^T unchanged) is a property of the design, checked by the tests, not a finding.
"""

from dataclasses import dataclass

import numpy as np
import torch

from semphys.evidence import Claim, Null
from semphys.phase.qk.pca import HeadWeights, principal_scores, random_head_weights

FORMS: tuple[str, ...] = ("head_spec", "residual")
TARGET = 0.9
"""The spec's 90%."""
COUNTS: tuple[int, int] = (16, 32)
"""The spec's 16 to 32 components."""


@dataclass(frozen=True)
class Spectrum:
    """Cumulative explained variance of one PCA and where it reaches the target."""

    cumulative: np.ndarray
    """[n_samples - 1] after 1, 2, ... components (the last is 1: n samples have n - 1 centred dimensions)."""
    components_to_target: int
    """Fewest components whose cumulative explained variance is >= the target."""
    at: dict[int, float]
    """Cumulative explained variance at the spec's counts (1.0 at counts >= n_samples - 1)."""

    def to_dict(self) -> dict:
        return {
            "cumulative": self.cumulative.tolist(),
            "components_to_target": self.components_to_target,
            "at": {str(k): v for k, v in self.at.items()},
        }


def spectrum(gram: np.ndarray, target: float = TARGET, counts: tuple[int, ...] = COUNTS) -> Spectrum:
    """The spectrum of the samples whose uncentred Gram matrix is `gram` [n, n] (n >= 2)."""
    explained, _ = principal_scores(gram, 0)
    cumulative = np.cumsum(explained)
    reached = np.nonzero(cumulative >= target - 1e-12)[0]
    to_target = int(reached[0]) + 1 if reached.size else len(cumulative)
    # all n - 1 components explain everything: exactly 1.0 (the summed ratios can miss it by rounding, and a tie
    # with the null must count as a tie)
    at = {k: 1.0 if k >= len(cumulative) else float(cumulative[k - 1]) for k in counts}
    return Spectrum(cumulative, to_target, at)


def head_spec_forms(heads: HeadWeights) -> torch.Tensor:
    """The spec's W_Q[h]^T W_K[kv(h)] of every head, flattened and scaled to unit norm: [n_heads_total, d_head^2]."""
    forms = torch.cat([(q.transpose(1, 2) @ k[kv]).flatten(1) for q, k, kv in zip(heads.w_q, heads.w_k, heads.kv)])
    return forms / forms.norm(dim=1, keepdim=True).clamp_min(1e-30)


def residual_forms(heads: HeadWeights) -> torch.Tensor:
    """W_Q[h] W_K[kv(h)]^T of every head, flattened and scaled to unit norm: [n_heads_total, d_model^2]."""
    forms = torch.cat([(q @ k[kv].transpose(1, 2)).flatten(1) for q, k, kv in zip(heads.w_q, heads.w_k, heads.kv)])
    return forms / forms.norm(dim=1, keepdim=True).clamp_min(1e-30)


def scrambled(heads: HeadWeights, generator: torch.Generator) -> HeadWeights:
    """The same heads after a random orthogonal M per layer and key group: W_Q[h] M_kv(h), W_K[g] M_g."""
    w_q, w_k = [], []
    for q, k, kv in zip(heads.w_q, heads.w_k, heads.kv):
        d_head = q.shape[2]
        rotations = torch.linalg.qr(torch.randn(k.shape[0], d_head, d_head, generator=generator))[0]
        w_q.append(q @ rotations[kv])
        w_k.append(k @ rotations)
    return HeadWeights(w_q, w_k, heads.kv, heads.layer_of, heads.qk_norm, heads.rotary)


FORM_OF = {"head_spec": head_spec_forms, "residual": residual_forms}


def gram(forms: torch.Tensor) -> np.ndarray:
    """Uncentred Gram matrix of flattened forms [n, dim] in float64: [n, n]."""
    return (forms @ forms.T).double().numpy()


@dataclass(frozen=True)
class HeadShape:
    """The shapes of one model's heads: all the random-weight null needs of it."""

    d_model: int
    d_head: int
    n_kv: tuple[int, ...]
    """Per layer: key heads."""
    kv: tuple[tuple[int, ...], ...]
    """Per layer: the key head each query head reads."""

    @classmethod
    def of(cls, heads: HeadWeights) -> "HeadShape":
        return cls(
            heads.w_q[0].shape[1],
            heads.w_q[0].shape[2],
            tuple(k.shape[0] for k in heads.w_k),
            tuple(tuple(int(i) for i in kv) for kv in heads.kv),
        )

    @property
    def layer_of(self) -> np.ndarray:
        """[n_matrices] the layer of each query head, in order."""
        return np.concatenate([np.full(len(kv), layer) for layer, kv in enumerate(self.kv)])

    def skeleton(self) -> HeadWeights:
        """Weights of these shapes with no values (meta tensors): what `random_head_weights` reads."""
        return HeadWeights(
            [torch.empty(len(kv), self.d_model, self.d_head, device="meta") for kv in self.kv],
            [torch.empty(n, self.d_model, self.d_head, device="meta") for n in self.n_kv],
            [torch.tensor(kv) for kv in self.kv],
            self.layer_of,
            False,
            False,
        )


def random_shares(
    shapes: list[HeadShape], form: str, n_random: int, generator: torch.Generator, count: int = COUNTS[1]
) -> np.ndarray:
    """[n_random] the share of variance in `count` components of random weights of `shapes`, pooled.

    Each draw is `random_head_weights` of every model in `shapes` (same heads, key-head sharing, d_head),
    through the same form, unit norm and PCA as the measurement: the null at the same number of matrices.
    """
    shares = np.empty(n_random)
    with torch.no_grad():
        for draw in range(n_random):
            forms = torch.cat([FORM_OF[form](random_head_weights(shape.skeleton(), generator)) for shape in shapes])
            shares[draw] = spectrum(gram(forms)).at[count]
    return shares


def jackknife_interval(
    gram_matrix: np.ndarray, clusters: np.ndarray, count: int = COUNTS[1], z: float = 1.959963984540054
) -> tuple[float, float]:
    """95% normal interval of the share in `count` components from a delete-one-cluster jackknife.

    gram_matrix: [n, n] uncentred Gram of the forms; clusters: [n] the layer (and model) of each matrix.
    Why not a bootstrap: a resample with replacement repeats matrices, and repeated samples span fewer
    directions, so every resampled PCA concentrates more than the data (72 random 16 x 16 forms: share 0.668,
    layer-bootstrap percentile interval [0.79, 0.97], which misses the estimate). Dropping one layer of many
    moves the number of matrices little. Quenouille-Tukey: se^2 = (g - 1) / g sum (theta_i - mean)^2.
    """
    labels = np.unique(clusters)
    if len(labels) < 2:
        return (float("nan"), float("nan"))
    value = spectrum(gram_matrix).at[count]
    leave = np.array(
        [spectrum(gram_matrix[np.ix_(keep, keep)]).at[count] for keep in (clusters != label for label in labels)]
    )
    g = len(labels)
    se = float(np.sqrt((g - 1) / g * np.sum((leave - leave.mean()) ** 2)))
    return (value - z * se, value + z * se)


@dataclass(frozen=True)
class BasisForms:
    """What experiment B needs from one model: its unit-norm forms and those of its two controls."""

    spec: str
    d_head: int
    d_model: int
    head_spec: torch.Tensor
    """[n, d_head^2]"""
    head_spec_scrambled: torch.Tensor
    head_spec_random: torch.Tensor
    residual_gram: np.ndarray
    """[n, n] Gram of the unit residual forms (the forms themselves can be large: d_model^2 each)."""
    residual_random_gram: np.ndarray
    shape: HeadShape


def basis_forms(spec: str, heads: HeadWeights, seed: int) -> BasisForms:
    """One model's forms and controls, seeded (the same seed gives the same null)."""
    generator = torch.Generator().manual_seed(seed)
    null = random_head_weights(heads, generator)
    with torch.no_grad():
        return BasisForms(
            spec=spec,
            d_head=heads.w_q[0].shape[2],
            d_model=heads.w_q[0].shape[1],
            head_spec=head_spec_forms(heads),
            head_spec_scrambled=head_spec_forms(scrambled(heads, generator)),
            head_spec_random=head_spec_forms(null),
            residual_gram=gram(residual_forms(heads)),
            residual_random_gram=gram(residual_forms(null)),
            shape=HeadShape.of(heads),
        )


@dataclass(frozen=True)
class BasisCurve:
    """One PCA of experiment B (one model, or several pooled) with its controls, null draws and interval."""

    form: str
    models: tuple[str, ...]
    key: str
    """What the pooled models share: `d_head = 16` or `d_model = 64`."""
    n_samples: int
    dim: int
    measured: Spectrum
    random: Spectrum
    scrambled: Spectrum | None
    random_draws: np.ndarray
    """[n_random] the random-weight null's share in 32 components, one per draw (`random_shares`)."""
    interval: tuple[float, float]
    """Jackknife interval of the measured share in 32 components (`jackknife_interval`)."""

    def to_dict(self) -> dict:
        return {
            "form": self.form,
            "models": list(self.models),
            "key": self.key,
            "n_samples": self.n_samples,
            "dim": self.dim,
            "measured": self.measured.to_dict(),
            "random": self.random.to_dict(),
            "scrambled": None if self.scrambled is None else self.scrambled.to_dict(),
        }


def _clusters(items: list[BasisForms]) -> np.ndarray:
    """[n] one label per (model, layer): the matrices of a layer share key heads and are dropped together."""
    return np.concatenate([index * 100_000 + item.shape.layer_of for index, item in enumerate(items)])


def head_spec_curve(items: list[BasisForms], n_random: int, generator: torch.Generator) -> BasisCurve:
    """The spec's form pooled over models that share d_head (a single model: its own spectrum)."""
    measured = torch.cat([item.head_spec for item in items])
    measured_gram = gram(measured)
    return BasisCurve(
        form="head_spec",
        models=tuple(item.spec for item in items),
        key=f"d_head = {items[0].d_head}",
        n_samples=len(measured),
        dim=measured.shape[1],
        measured=spectrum(measured_gram),
        random=spectrum(gram(torch.cat([item.head_spec_random for item in items]))),
        scrambled=spectrum(gram(torch.cat([item.head_spec_scrambled for item in items]))),
        random_draws=random_shares([item.shape for item in items], "head_spec", n_random, generator),
        interval=jackknife_interval(measured_gram, _clusters(items)),
    )


def residual_curve(item: BasisForms, n_random: int, generator: torch.Generator) -> BasisCurve:
    """One model's residual-form spectrum with its random null."""
    return BasisCurve(
        form="residual",
        models=(item.spec,),
        key=f"d_model = {item.d_model}",
        n_samples=len(item.residual_gram),
        dim=item.d_model**2,
        measured=spectrum(item.residual_gram),
        random=spectrum(item.residual_random_gram),
        scrambled=None,
        random_draws=random_shares([item.shape], "residual", n_random, generator),
        interval=jackknife_interval(item.residual_gram, _clusters([item])),
    )


def basis_claim(curve: BasisCurve, count: int = COUNTS[1]) -> Claim:
    """The spec's criterion for one curve: `count` components explain >= 90%, beyond random weights."""
    value = curve.measured.at[count]
    null = Null.from_draws("random weights, same shapes", curve.random_draws, value, "higher", n=curve.n_samples)
    forms = "W_Q^T W_K" if curve.form == "head_spec" else "W_Q W_K^T"
    return Claim(
        claim=f"{count} components explain >= {TARGET:.0%} of {forms} ({curve.form}, {curve.n_samples} matrices)",
        kind="finding",
        value=value,
        better="higher",
        interval=curve.interval,
        interval_method="jackknife over layers (delete one layer, normal 95%)",
        threshold=TARGET,
        threshold_source="spec",
        nulls=(null,),
        model=" + ".join(curve.models),
        key=f"{curve.form}:{'+'.join(curve.models)}",
        detail=f"{curve.key}; 90% at {curve.measured.components_to_target} components",
    )


def pooled_groups(items: list[BasisForms]) -> list[list[BasisForms]]:
    """Models grouped by d_head, in the order given; only groups of two or more are pooled."""
    groups: dict[int, list[BasisForms]] = {}
    for item in items:
        groups.setdefault(item.d_head, []).append(item)
    return [group for group in groups.values() if len(group) > 1]
