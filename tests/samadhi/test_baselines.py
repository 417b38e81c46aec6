"""Baselines on toy data with known answers."""

import torch

from semphys.samadhi.baselines import (
    auroc,
    concept_centroids,
    linear_gate_auroc,
    linear_probe_accuracy,
    nearest_centroid_accuracy,
    spec_vitakka,
)
from semphys.samadhi.config import SamadhiConfig
from semphys.samadhi.data import WindowSet


def _windows(means: torch.Tensor, labels: list[int]) -> WindowSet:
    """One-token windows at the given points."""
    n = len(labels)
    return WindowSet(
        means[:, None, :], torch.ones(n, 1, dtype=torch.bool), torch.tensor(labels), ["real"] * n, [""] * n, [""] * n
    )


def test_nearest_centroid_and_linear_probe_on_separable_data() -> None:
    gen = torch.Generator().manual_seed(0)
    centres = torch.tensor([[5.0, 0.0], [0.0, 5.0], [-5.0, -5.0]])
    labels = [0, 1, 2] * 20
    train = _windows(centres[labels] + 0.5 * torch.randn(60, 2, generator=gen), labels)
    valid = _windows(centres[labels] + 0.5 * torch.randn(60, 2, generator=gen), labels)
    assert nearest_centroid_accuracy(train, valid, 3) == 1.0
    assert linear_probe_accuracy(train, valid) == 1.0
    shuffled = _windows(valid.features[:, 0], [labels[(i + 1) % 60] for i in range(60)])
    assert nearest_centroid_accuracy(train, shuffled, 3) == 0.0


def test_auroc_known_values() -> None:
    assert auroc(torch.tensor([2.0, 3.0]), torch.tensor([0.0, 1.0])) == 1.0
    assert auroc(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 3.0])) == 0.0
    assert auroc(torch.tensor([1.0, 3.0]), torch.tensor([2.0, 0.0])) == 0.75


def test_linear_gate_separates_shifted_noise_and_not_identical_noise() -> None:
    gen = torch.Generator().manual_seed(1)
    real = lambda n: _windows(torch.randn(n, 4, generator=gen), [0] * n)  # noqa: E731
    shifted = lambda n: _windows(torch.randn(n, 4, generator=gen) + 4.0, [-1] * n)  # noqa: E731
    assert linear_gate_auroc(real(40), shifted(40), real(40), shifted(40)) > 0.99  # separated by 4 sd
    same = linear_gate_auroc(real(40), real(40), real(200), real(200))
    assert abs(same - 0.5) < 0.1  # the same distribution: chance (+-0.1 covers 200 vs 200 sampling spread)


def test_spec_vitakka_is_centroid_probes_without_read_in() -> None:
    labels = [0, 0, 1, 1]
    windows = _windows(torch.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [0.0, 4.0]]), labels)
    config = SamadhiConfig(d_model=2, concept_labels=("a", "b"), n_learned=3, probe_scale=0.5)
    pure = spec_vitakka(config, windows)
    assert pure.read_in_delta is None and pure.probes.shape == (2, 2)
    torch.testing.assert_close(pure.probes.detach(), torch.tensor([[0.5, 0.0], [0.0, 0.5]]))
    torch.testing.assert_close(concept_centroids(windows, 2), torch.tensor([[2.0, 0.0], [0.0, 3.0]]))


def test_nearest_centroid_equals_the_hand_computed_euclidean_rule():
    """scikit-learn's NearestCentroid gives what argmin of the distances to the per-concept means gives."""
    from semphys.samadhi.baselines import concept_centroids, nearest_centroid_predictions

    generator = torch.Generator().manual_seed(3)
    centres_true = 2 * torch.randn(3, 5, generator=generator)

    def draw(n):
        labels = [i % 3 for i in range(n)]
        return _windows(centres_true[labels] + 1.5 * torch.randn(n, 5, generator=generator), labels)

    train, valid = draw(60), draw(40)
    centres = concept_centroids(train, 3)
    by_hand = torch.cdist(valid.mean_features(), centres).argmin(dim=1)
    assert torch.equal(nearest_centroid_predictions(train, valid, 3), by_hand)
