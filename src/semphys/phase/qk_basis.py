"""The W_QK basis across models (spec 001, future experiment B: 複数モデルの普遍基底のPCA).

The spec: collect the W_QK of GPT-2, Gemma-2, LLaMA, Mistral, Qwen, ..., pool them into one PCA, plot
the cumulative explained variance against the number of components, and ask whether 16 to 32
components explain 90% or more.

Two forms per head (see `semphys.phase.qk_pca` for why both):
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
  weights reach 90% within 32 components, and the spec's criterion says nothing (`uninformative`).
- `scrambled` (head_spec only): the model's own heads after a random orthogonal change of basis
  M inside each key group (W_Q[h] M, W_K[g] M): every W_QK, and every attention score of a model
  without rotary embeddings and QK-norm, is unchanged, while head_spec becomes M^T (W_Q^T W_K) M.
  Whatever structure survives the scramble belongs to the function; what it destroys belonged to the
  basis the weights happen to be written in.

A pooled group PASSES the spec's criterion when its measured cumulative explained variance at 32
components reaches 90% and its random null's does not.
"""

from dataclasses import dataclass

import numpy as np
import torch

from semphys.phase.qk_pca import HeadWeights, principal_scores, random_head_weights

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
        return {"cumulative": self.cumulative.tolist(), "components_to_target": self.components_to_target,
                "at": {str(k): v for k, v in self.at.items()}}


def spectrum(gram: np.ndarray, target: float = TARGET, counts: tuple[int, ...] = COUNTS) -> Spectrum:
    """The spectrum of the samples whose uncentred Gram matrix is `gram` [n, n] (n >= 2)."""
    explained, _ = principal_scores(gram, 0)
    cumulative = np.cumsum(explained)
    reached = np.nonzero(cumulative >= target - 1e-12)[0]
    to_target = int(reached[0]) + 1 if reached.size else len(cumulative)
    at = {k: float(cumulative[min(k, len(cumulative)) - 1]) for k in counts}
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


def gram(forms: torch.Tensor) -> np.ndarray:
    """Uncentred Gram matrix of flattened forms [n, dim] in float64: [n, n]."""
    return (forms @ forms.T).double().numpy()


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


def basis_forms(spec: str, heads: HeadWeights, seed: int) -> BasisForms:
    """One model's forms and controls, seeded (the same seed gives the same null)."""
    generator = torch.Generator().manual_seed(seed)
    null = random_head_weights(heads, generator)
    with torch.no_grad():
        return BasisForms(
            spec=spec, d_head=heads.w_q[0].shape[2], d_model=heads.w_q[0].shape[1],
            head_spec=head_spec_forms(heads), head_spec_scrambled=head_spec_forms(scrambled(heads, generator)),
            head_spec_random=head_spec_forms(null), residual_gram=gram(residual_forms(heads)),
            residual_random_gram=gram(residual_forms(null)),
        )


@dataclass(frozen=True)
class BasisCurve:
    """One PCA of experiment B (one model, or several pooled) with its controls and the spec's verdict."""

    form: str
    models: tuple[str, ...]
    key: str
    """What the pooled models share: `d_head = 16` or `d_model = 64`."""
    n_samples: int
    dim: int
    measured: Spectrum
    random: Spectrum
    scrambled: Spectrum | None
    verdict: str
    """`pass`, `fail` or `uninformative` (the random null reaches the target too)."""

    def to_dict(self) -> dict:
        return {"form": self.form, "models": list(self.models), "key": self.key, "n_samples": self.n_samples,
                "dim": self.dim, "measured": self.measured.to_dict(), "random": self.random.to_dict(),
                "scrambled": None if self.scrambled is None else self.scrambled.to_dict(), "verdict": self.verdict}


def verdict(measured: Spectrum, random: Spectrum, count: int = COUNTS[1], target: float = TARGET) -> str:
    """The spec's criterion at `count` components against the random null at the same sample size."""
    if random.at[count] >= target:
        return "uninformative"
    return "pass" if measured.at[count] >= target else "fail"


def head_spec_curve(items: list[BasisForms]) -> BasisCurve:
    """The spec's form pooled over models that share d_head (a single model: its own spectrum)."""
    measured = torch.cat([item.head_spec for item in items])
    measured_spectrum = spectrum(gram(measured))
    random_spectrum = spectrum(gram(torch.cat([item.head_spec_random for item in items])))
    return BasisCurve(
        form="head_spec", models=tuple(item.spec for item in items), key=f"d_head = {items[0].d_head}",
        n_samples=len(measured), dim=measured.shape[1], measured=measured_spectrum, random=random_spectrum,
        scrambled=spectrum(gram(torch.cat([item.head_spec_scrambled for item in items]))),
        verdict=verdict(measured_spectrum, random_spectrum),
    )


def residual_curve(item: BasisForms) -> BasisCurve:
    """One model's residual-form spectrum with its random null."""
    measured, random = spectrum(item.residual_gram), spectrum(item.residual_random_gram)
    return BasisCurve(form="residual", models=(item.spec,), key=f"d_model = {item.d_model}",
                      n_samples=len(item.residual_gram), dim=item.d_model ** 2, measured=measured, random=random,
                      scrambled=None, verdict=verdict(measured, random))


def pooled_groups(items: list[BasisForms]) -> list[list[BasisForms]]:
    """Models grouped by d_head, in the order given; only groups of two or more are pooled."""
    groups: dict[int, list[BasisForms]] = {}
    for item in items:
        groups.setdefault(item.d_head, []).append(item)
    return [group for group in groups.values() if len(group) > 1]
