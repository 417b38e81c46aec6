"""Baselines the Samadhi figures are set against, on the same features (mean token of each window).

nearest_centroid_accuracy   the concept whose training centroid is nearest (Euclidean; scikit-learn
                            `NearestCentroid`, the rival a learned probe must beat)
linear_probe_accuracy       scikit-learn `LogisticRegression` on the training windows
linear_gate_auroc           the same classifier for real vs noise windows (training noise), AUROC
                            (`*_predictions`, `linear_gate_scores`: the same per window, for paired tests)
spec_vitakka                spec 002 §3.1-3.2 untouched: no read-in, canonical probes at the
                            concept centroids, no training (what the spec's mechanism does alone)
"""

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestCentroid
from torch import Tensor

from semphys.samadhi.config import SamadhiConfig
from semphys.samadhi.data import WindowSet
from semphys.samadhi.vitakka import Vitakka

MAX_ITER = 2000


def concept_centroids(windows: WindowSet, n_concepts: int) -> Tensor:
    """Mean of the windows' mean tokens per concept: [n_concepts, d] (the spec's canonical probe directions)."""
    means = windows.mean_features()
    return torch.stack([means[windows.labels == k].mean(dim=0) for k in range(n_concepts)])


def nearest_centroid_predictions(train: WindowSet, valid: WindowSet, n_concepts: int) -> Tensor:
    """Concept of the nearest training centroid for each held-out window: [N_valid] long."""
    if sorted(set(train.labels.tolist())) != list(range(n_concepts)):
        raise ValueError(f"every one of the {n_concepts} concepts needs training windows")
    classifier = NearestCentroid().fit(train.mean_features().double().numpy(), train.labels.numpy())
    return torch.as_tensor(classifier.predict(valid.mean_features().double().numpy()), dtype=torch.long)


def nearest_centroid_accuracy(train: WindowSet, valid: WindowSet, n_concepts: int) -> float:
    """Held-out accuracy of the nearest training centroid (real windows of both sets)."""
    return float((nearest_centroid_predictions(train, valid, n_concepts) == valid.labels).float().mean())


def linear_probe_predictions(train: WindowSet, valid: WindowSet, seed: int = 0) -> Tensor:
    """Concept a multinomial logistic regression on the window means gives each held-out window: [N_valid]."""
    classifier = LogisticRegression(max_iter=MAX_ITER, random_state=seed)
    classifier.fit(train.mean_features().numpy(), train.labels.numpy())
    return torch.from_numpy(classifier.predict(valid.mean_features().numpy())).long()


def linear_probe_accuracy(train: WindowSet, valid: WindowSet, seed: int = 0) -> float:
    """Held-out accuracy of a multinomial logistic regression on the window means."""
    return float((linear_probe_predictions(train, valid, seed) == valid.labels).float().mean())


def auroc(positive: Tensor, negative: Tensor) -> float:
    """Area under the ROC curve of a score that should be higher for `positive` ([n], [m])."""
    truth = np.r_[np.ones(len(positive)), np.zeros(len(negative))]
    return float(roc_auc_score(truth, np.r_[positive.numpy(), negative.numpy()]))


def linear_gate_scores(train_real: WindowSet, train_noise: WindowSet, *valid: WindowSet, seed: int = 0) -> list[Tensor]:
    """Decision function ([N] per set of `valid`; higher: more real) of a logistic regression trained to tell
    real from noise windows on their means: the linear gate on the same features as Samadhi's."""
    x = torch.cat([train_real.mean_features(), train_noise.mean_features()]).numpy()
    y = np.r_[np.ones(len(train_real)), np.zeros(len(train_noise))]
    classifier = LogisticRegression(max_iter=MAX_ITER, random_state=seed).fit(x, y)
    return [torch.from_numpy(classifier.decision_function(ws.mean_features().numpy())) for ws in valid]


def linear_gate_auroc(
    train_real: WindowSet, train_noise: WindowSet, valid_real: WindowSet, valid_noise: WindowSet, seed: int = 0
) -> float:
    """AUROC of a logistic regression trained to tell real from noise windows (window means)."""
    return auroc(*linear_gate_scores(train_real, train_noise, valid_real, valid_noise, seed=seed))


def spec_vitakka(config: SamadhiConfig, train_real: WindowSet) -> Vitakka:
    """The spec's Vitakka alone: no read-in, one probe per concept at its centroid, untrained."""
    pure = SamadhiConfig(
        d_model=config.d_model,
        concept_labels=config.concept_labels,
        n_learned=0,
        tau=config.tau,
        theta=config.theta,
        probe_scale=config.probe_scale,
        read_in=False,
    )
    vitakka = Vitakka(pure)
    vitakka.set_probes(concept_centroids(train_real, len(config.concept_labels)))
    return vitakka.eval()
