"""A synthetic family of words whose sense signal switches on along a known profile, through the real code path.

Each word has its own sense directions e_A, e_B (random unit vectors in d dimensions); an item of
class k at layer l is profile(l) x strength x e_k plus isotropic noise; the gloss prompts carry
e_A and e_B at every layer (with a little noise). The anisotropy baseline is the identity (mean 0, std 1), so the
standardised correction leaves the vectors as they are. The curves, the own nulls and the null word
curves come from `semphys.phase.scale.curves`, as on a real model.
"""

import numpy as np

from semphys.phase.anisotropy import Baseline
from semphys.phase.scale.curves import WordCurves, gloss_contrast, gloss_curves, mean_signed_unit, own_null_statistics

L = 12
D = 64
FIT = np.arange(1, L + 1)


def tanh_profile(lc: float, sharpness: float = 3.0) -> np.ndarray:
    """0 -> 1 around lc over layers 0..L."""
    return (1 + np.tanh(sharpness * (np.arange(L + 1) - lc))) / 2


def power_profile(lc: float, beta: float) -> np.ndarray:
    """Landau's second-order form (l - lc)^beta above lc, scaled to 1 at L."""
    layers = np.arange(L + 1, dtype=np.float64)
    return np.maximum(layers - lc, 0.0) ** beta / (L - lc) ** beta


def ramp_profile() -> np.ndarray:
    return np.arange(L + 1) / L


def synthetic_words(
    profiles: list[np.ndarray],
    lexnames: list[str] | None = None,
    n_per_class: int = 4,
    strength: float = 4.0,
    noise: float = 0.25,
    shuffle_labels: bool = False,
    seed: int = 0,
    n_null: int = 199,
    n_fit_null: int = 20,
) -> list[WordCurves]:
    """One word per profile ([L + 1] each); `shuffle_labels` permutes each word's labels after its vectors are made."""
    rng = np.random.default_rng(seed)
    baseline = Baseline(mean=np.zeros((L + 1, D)), std=np.ones((L + 1, D)), n=2)
    raws, labels_of, contrasts = [], [], []
    for profile in profiles:
        directions = rng.standard_normal((2, D))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        labels = np.repeat([0, 1], n_per_class)
        signal = profile[None, :, None] * strength * directions[labels][:, None, :]
        raws.append(signal + noise * rng.standard_normal((len(labels), L + 1, D)))
        glosses = [
            strength * np.broadcast_to(directions[k], (1, L + 1, D)) + 0.05 * rng.standard_normal((1, L + 1, D))
            for k in (0, 1)
        ]
        contrasts.append(gloss_contrast(glosses[0], glosses[1], baseline))
        labels_of.append(rng.permutation(labels) if shuffle_labels else labels)
    bank = np.stack(contrasts)
    words = []
    for index, (raw, labels) in enumerate(zip(raws, labels_of)):
        others = rng.permutation(np.delete(np.arange(len(profiles)), index))[:n_null]
        m = mean_signed_unit(raw, labels, baseline)
        words.append(
            WordCurves(
                key=f"w{index}.n",
                lexname=lexnames[index] if lexnames else "noun.artifact",
                curves=gloss_curves(raw, labels, bank[index], baseline),
                labels=labels,
                blind=np.zeros((0, L + 1)),
                mean_unit=m,
                null_statistic=own_null_statistics(m, bank[others], FIT, n_null, rng),
                null_curves=np.einsum("ld,bld->bl", m, bank[others[:n_fit_null]]),
            )
        )
    return words
