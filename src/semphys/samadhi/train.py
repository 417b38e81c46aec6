"""Training: stage 1 fits Vitakka (probes, read-in), stage 2 fits each Vicara variant with §3.4's loss.

Stage 1 (Vitakka). Canonical probes start at the concept centroids of the training windows (mean
token per window, averaged per concept), learned probes at k-means centres of the same windows
(scikit-learn `KMeans`; §2 A.1's "latent topics"). Spec 002's loss (§3.4) has no term that teaches
a probe its concept or the gate its noise, so stage 1 minimises

    lambda_concept * CE(softmax(Score_canonical / tau), concept)
    + lambda_gate * [softplus((theta - max Score(real)) / m) + softplus((max Score(noise) - theta) / m)]

on training real and noise windows (the noise windows of the training split). Learned probes then
stand for the majority concept of the training windows they win (`SamadhiModel.probe_concept`).

Stage 2 (Vicara), per variant (`standard`, `probe_specific`), on the same frozen Vitakka: the
refiners and the MI critic minimise §3.4, L = |S_T - S_{T-1}|^2 + lambda_1 sum|S_T| - lambda_2
I_NCE(S_T; S_0), with T = `train_unroll` soft-mode steps unrolled from the S_0 of the gate-open
training windows. Vitakka is frozen here because §3.4 alone rewards shrinking S_0 (a read-in or
probes that make S_0 small make S_T - S_{T-1} and sum|S_T| small too), which would undo stage 1.

`train_samadhi` returns the trained models of every variant with their loss histories and seconds, in
memory; `semphys.experiments.samadhi.train` writes them (checkpoints and train.json).
"""

import time
from collections import Counter
from dataclasses import dataclass, replace

import torch
from sklearn.cluster import KMeans
from torch import Tensor
from tqdm.auto import tqdm

from semphys.samadhi.baselines import concept_centroids
from semphys.samadhi.config import SamadhiConfig, SamadhiTrainConfig
from semphys.samadhi.data import ConceptData, WindowSet
from semphys.samadhi.loss import samadhi_loss
from semphys.samadhi.model import SamadhiModel
from semphys.samadhi.vitakka import Vitakka

HISTORY_EVERY = 25
"""Loss histories record one row every this many optimiser steps."""


@dataclass
class SamadhiTraining:
    """What `train_samadhi` trained, in memory."""

    model_config: SamadhiConfig
    """`SamadhiConfig` with the data's d_model and concept labels (the variants differ in `vicara_type`)."""
    models: dict[str, SamadhiModel]
    """Variant -> trained model, in `SamadhiTrainConfig.variants` order."""
    history: dict[str, list[dict]]
    """Loss histories: "vitakka" (stage 1), then one per variant (stage 2)."""
    seconds: dict[str, float]
    """Wall time of "vitakka" and of each variant."""


def initial_probes(data: ConceptData, n_learned: int, seed: int) -> Tensor:
    """Directions of the K probes: concept centroids, then k-means centres of the training windows."""
    real = data.train.select("real")
    directions = [concept_centroids(real, len(data.concepts))]
    if n_learned:
        means = real.mean_features().numpy()
        kmeans = KMeans(n_clusters=n_learned, n_init=3, random_state=seed).fit(means)
        directions.append(torch.from_numpy(kmeans.cluster_centers_).float())
    return torch.cat(directions)


def _trimmed(windows: WindowSet, rows: Tensor) -> tuple[Tensor, Tensor]:
    """Features [b, l, d] and mask [b, l] of some windows, cut to the longest of them (less padding)."""
    mask = windows.mask[rows]
    width = int(mask.sum(dim=1).max())
    return windows.features[rows, :width], mask[:, :width]


def vitakka_loss(
    vitakka: Vitakka, real: WindowSet, noise: WindowSet, rows: Tensor, noise_rows: Tensor, config: SamadhiTrainConfig
) -> tuple[Tensor, float]:
    """Stage 1 loss on a batch, and the batch's canonical-probe accuracy."""
    theta, margin = vitakka.config.theta, config.gate_margin
    n_canonical = len(vitakka.config.concept_labels)
    scores = vitakka(*_trimmed(real, rows)).scores
    noise_scores = vitakka(*_trimmed(noise, noise_rows)).scores
    logits = scores[:, :n_canonical] / vitakka.config.tau
    concept = torch.nn.functional.cross_entropy(logits, real.labels[rows])
    gate = (
        torch.nn.functional.softplus((theta - scores.max(dim=1).values) / margin).mean()
        + torch.nn.functional.softplus((noise_scores.max(dim=1).values - theta) / margin).mean()
    )
    accuracy = (logits.argmax(dim=1) == real.labels[rows]).float().mean().item()
    return config.lambda_concept * concept + config.lambda_gate * gate, accuracy


def fit_vitakka(
    model: SamadhiModel, data: ConceptData, config: SamadhiTrainConfig, progress: bool = True
) -> list[dict]:
    """Stage 1 in place on `model.vitakka`; sets `probe_concept`. Returns the loss history."""
    real, noise = data.train.select("real"), data.train.select(("random", "shuffled"))
    model.vitakka.set_probes(initial_probes(data, model.config.n_learned, config.seed))
    gen = torch.Generator().manual_seed(config.seed)
    optimiser = torch.optim.AdamW(model.vitakka.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    history = []
    for step in tqdm(range(config.vitakka_steps), desc="stage 1 vitakka", disable=not progress):
        rows = torch.randint(len(real), (config.batch_size,), generator=gen)
        noise_rows = torch.randint(len(noise), (config.batch_size // 2,), generator=gen)
        loss, accuracy = vitakka_loss(model.vitakka, real, noise, rows, noise_rows, config)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % HISTORY_EVERY == 0 or step == config.vitakka_steps - 1:
            history.append({"step": step, "loss": loss.item(), "batch_accuracy": accuracy})
    model.probe_concept.copy_(probe_concepts(model, real, len(data.concepts)))
    return history


@torch.no_grad()
def probe_concepts(model: SamadhiModel, real: WindowSet, n_concepts: int) -> Tensor:
    """[K]: canonical probe k -> k; learned probe -> majority concept of the windows it wins, or -1."""
    winners = model.vitakka(real.features, real.mask).winner
    mapping = torch.full((model.config.n_probes,), -1, dtype=torch.long)
    mapping[:n_concepts] = torch.arange(n_concepts)
    for probe in range(n_concepts, model.config.n_probes):
        won = real.labels[winners == probe].tolist()
        if won:
            mapping[probe] = Counter(won).most_common(1)[0][0]
    return mapping


def fit_vicara(model: SamadhiModel, real: WindowSet, config: SamadhiTrainConfig, progress: bool = True) -> list[dict]:
    """Stage 2 in place on `model.vicara` and `model.critic` (Vitakka frozen). Returns the loss history."""
    with torch.no_grad():
        out = model.vitakka(real.features, real.mask)
    s0, winner, probs = out.s0[out.gate], out.winner[out.gate], out.weights[out.gate]
    if len(s0) < 2:
        return [{"step": 0, "skipped": f"only {len(s0)} training window(s) open the gate"}]
    params = [*model.vicara.parameters(), *model.critic.parameters()]
    optimiser = torch.optim.Adam(params, lr=config.learning_rate)
    gen = torch.Generator().manual_seed(config.seed + 1)
    history = []
    for step in tqdm(range(config.vicara_steps), desc=f"stage 2 {model.config.vicara_type}", disable=not progress):
        rows = torch.randint(len(s0), (min(config.batch_size, len(s0)),), generator=gen)
        states = model.vicara.unroll(s0[rows], winner[rows], probs[rows], config.train_unroll, mode="soft")
        terms = samadhi_loss(states, model.critic, config.lambda_sparsity, config.lambda_mi)
        optimiser.zero_grad()
        terms.total.backward()
        optimiser.step()
        if step % HISTORY_EVERY == 0 or step == config.vicara_steps - 1:
            history.append({"step": step, **terms.to_dict()})
    return history


def train_samadhi(
    data: ConceptData,
    d_model: int,
    config: SamadhiTrainConfig,
    base: SamadhiConfig = SamadhiConfig(),
    progress: bool = True,
) -> SamadhiTraining:
    """Stage 1 on a fresh model, then stage 2 for each variant of `config.variants` on the frozen Vitakka.

    The caller seeds torch (`config.seed`) before reading the data; each variant starts again from that seed.
    """
    model_config = replace(base, d_model=d_model, concept_labels=data.concepts)
    seconds = {}
    tick = time.perf_counter()
    model = SamadhiModel(model_config)
    model.feature_mean.copy_(data.mean)
    model.feature_std.copy_(data.std)
    history = {"vitakka": fit_vitakka(model, data, config, progress)}
    seconds["vitakka"] = time.perf_counter() - tick
    real = data.train.select("real")
    shared = {k: v for k, v in model.state_dict().items() if not k.startswith(("vicara.", "critic."))}
    models = {}
    for variant in config.variants:
        tick = time.perf_counter()
        torch.manual_seed(config.seed)
        variant_model = SamadhiModel(replace(model_config, vicara_type=variant))
        variant_model.load_state_dict(shared, strict=False)
        variant_model.vitakka.requires_grad_(False)
        history[variant] = fit_vicara(variant_model, real, config, progress)
        seconds[variant] = time.perf_counter() - tick
        models[variant] = variant_model
    return SamadhiTraining(model_config, models, history, seconds)
