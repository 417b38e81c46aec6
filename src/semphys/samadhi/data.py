"""The labelled stream: windows of a language model's token states over WordNet documents, and noise.

Real windows: one WordNet document (a synset's gloss and examples, `semphys.data.load_corpus`) per
window, its first W tokens, labelled with the synset's lexicographer category (`noun.animal`, ...),
the concept of spec 002's canonical probes. Concepts are the `n_concepts` most frequent categories of
the train split; documents are drawn per concept (seeded) from the train and validation splits,
which the corpus splits by synset, so no held-out synset lends text to training.

Noise windows (what the gate of §2 A.3 should refuse), from the same model, per split:
    random     uniformly random token ids (special tokens excluded), as many as a real document has,
               decoded to text and run through the model;
    shuffled   a real document's tokens in a random order, decoded and run through the model.
Training noise is built from training documents, held-out noise from held-out ones. The validation
split also holds a noise kind the gate never trained on (`HELD_OUT_NOISE`):
    word_salad real words drawn at random from all held-out documents, as many as a document has.
Its windows are forwarded separately and appended, so every other window is computed as before.

Features are standardised per dimension with the mean and standard deviation of every training real
token (the scale that makes §3.1's score about 1, see `semphys.samadhi.vitakka`; it also tames
Gemma's massive-activation dimensions). They are cached under `$SEMPHYS_CACHE/samadhi/features/`,
one safetensors file per (model facts, layer, window, data settings, corpus), written atomically
with a CRC-32 (`semphys.core.safefile`): a second run with the same settings runs no model, and an entry
that fails its checksum is extracted again (never trained or evaluated on).
"""

import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from semphys.core.errors import UserError
from semphys.core.paths import cache_dir
from semphys.core.safefile import DamagedFile, load_checked, save_checked
from semphys.data import Corpus, Document, load_corpus
from semphys.lm import LM, token_states
from semphys.samadhi.config import SamadhiTrainConfig

KINDS: tuple[str, ...] = ("real", "random", "shuffled", "word_salad")
TRAINED_NOISE: tuple[str, ...] = ("random", "shuffled")
"""The noise kinds of both splits: stage 1's gate term trains on them (training split)."""
HELD_OUT_NOISE: tuple[str, ...] = ("word_salad",)
"""Noise kinds only in the validation split: the gate never saw their like in training. `word_salad`:
real words drawn at random from all the split's documents (no syntax, no single topic), as many as
a random document has; where `shuffled` keeps one document's tokens, this keeps neither the order nor
the topic, and where `random` draws BPE tokens, this draws whole words."""
_FORMAT = "samadhi-features-v2"


@dataclass
class WindowSet:
    """Windows of one split, padded to the longest."""

    features: Tensor
    """[N, L, d] float32, standardised; zero at padded positions."""
    mask: Tensor
    """[N, L] bool, True at real tokens."""
    labels: Tensor
    """[N] long: concept index for real windows, -1 for noise."""
    kinds: list[str]
    """Per window: one of `KINDS` (`word_salad` only in the validation split)."""
    texts: list[str]
    synsets: list[str]
    """Synset id of a real window's document (the source document for noise)."""

    def select(self, kind: str | tuple[str, ...]) -> "WindowSet":
        """The windows of one kind (or of several kinds)."""
        wanted = (kind,) if isinstance(kind, str) else kind
        rows = [i for i, k in enumerate(self.kinds) if k in wanted]
        index = torch.tensor(rows, dtype=torch.long)
        return WindowSet(
            self.features[index],
            self.mask[index],
            self.labels[index],
            [self.kinds[i] for i in rows],
            [self.texts[i] for i in rows],
            [self.synsets[i] for i in rows],
        )

    def __len__(self) -> int:
        return len(self.kinds)

    def mean_features(self) -> Tensor:
        """Mean token of each window: [N, d] (the baselines' input)."""
        weights = self.mask.float()
        return (self.features * weights[..., None]).sum(dim=1) / weights.sum(dim=1, keepdim=True)


@dataclass
class ConceptData:
    """Training and held-out windows, the concepts and the standardisation statistics."""

    concepts: tuple[str, ...]
    train: WindowSet
    valid: WindowSet
    mean: Tensor
    """[d] per-dimension mean of the training real tokens (raw residual stream)."""
    std: Tensor
    """[d] their standard deviation."""
    facts: dict
    """Model, layer, counts, cache key and whether the cache was used, extraction seconds."""


def select_concepts(corpus: Corpus, n_concepts: int) -> tuple[str, ...]:
    """The `n_concepts` most frequent lexicographer categories of the train split (ties by name)."""
    counts = Counter(doc.lexname for doc in corpus.train)
    if n_concepts > len(counts):
        raise UserError(f"n_concepts {n_concepts}: the corpus has only {len(counts)} lexicographer categories")
    ranked = sorted(counts, key=lambda name: (-counts[name], name))
    return tuple(ranked[:n_concepts])


def draw_documents(
    docs: tuple[Document, ...], concepts: tuple[str, ...], per_concept: int, seed: int
) -> list[Document]:
    """Up to `per_concept` documents of each concept, drawn with `seed`, concept by concept."""
    by_concept: dict[str, list[Document]] = {name: [] for name in concepts}
    for doc in docs:
        if doc.lexname in by_concept:
            by_concept[doc.lexname].append(doc)
    rng = random.Random(seed)
    drawn = []
    for name in concepts:
        pool = by_concept[name]
        drawn += rng.sample(pool, min(per_concept, len(pool)))
    return drawn


def documents_read(config: SamadhiTrainConfig) -> list[str]:
    """The WordNet documents a training run forwards (both splits, as `_extract` draws them), without a model:
    to check them against a model's context before --out is claimed."""
    corpus = load_corpus(valid_fraction=config.valid_fraction, seed=config.seed)
    concepts = select_concepts(corpus, config.n_concepts)
    return [
        doc.text
        for docs, per_concept in ((corpus.train, config.train_per_concept), (corpus.valid, config.valid_per_concept))
        for doc in draw_documents(docs, concepts, per_concept, config.seed)
    ]


def noise_texts(lm: LM, docs: list[Document], n: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """`n` noise texts (half `random`, half `shuffled`) modelled on `docs`: (texts, kinds, source synsets)."""
    rng = random.Random(seed)
    tokenizer = lm.tokenizer
    specials = set(tokenizer.all_special_ids)
    vocab = [i for i in range(len(tokenizer)) if i not in specials]
    texts, kinds, sources = [], [], []
    for j in range(n):
        doc = docs[rng.randrange(len(docs))]
        ids = tokenizer(doc.text, add_special_tokens=False)["input_ids"]
        if j % 2 == 0:
            ids, kind = [vocab[rng.randrange(len(vocab))] for _ in ids], "random"
        else:
            ids, kind = rng.sample(ids, len(ids)), "shuffled"
        texts.append(tokenizer.decode(ids, skip_special_tokens=True))
        kinds.append(kind)
        sources.append(doc.synset_id)
    return texts, kinds, sources


def word_salad_texts(docs: list[Document], n: int, seed: int) -> tuple[list[str], list[str]]:
    """`n` word-salad texts from `docs` (see `HELD_OUT_NOISE`): (texts, source synsets of the length model)."""
    rng = random.Random(seed)
    words = [word for doc in docs for word in doc.text.split()]
    texts, sources = [], []
    for _ in range(n):
        doc = docs[rng.randrange(len(docs))]
        texts.append(" ".join(words[rng.randrange(len(words))] for _ in doc.text.split()))
        sources.append(doc.synset_id)
    return texts, sources


def _cache_key(lm: LM, layer: int, window: int, config: SamadhiTrainConfig, corpus: Corpus) -> str:
    settings = {
        "format": _FORMAT,
        "model": lm.facts.to_dict(),
        "layer": layer,
        "window": window,
        "n_concepts": config.n_concepts,
        "train_per_concept": config.train_per_concept,
        "valid_per_concept": config.valid_per_concept,
        "noise_fraction": config.noise_fraction,
        "valid_fraction": config.valid_fraction,
        "seed": config.seed,
        "corpus": corpus.fingerprint,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]


def load_concept_data(
    lm: LM,
    layer: int,
    window: int,
    config: SamadhiTrainConfig,
    log: Callable[[str], None] = lambda message: None,
    use_cache: bool = True,
) -> ConceptData:
    """Real and noise windows of both splits, standardised (cached; see the module docstring)."""
    corpus = load_corpus(valid_fraction=config.valid_fraction, seed=config.seed)
    concepts = select_concepts(corpus, config.n_concepts)
    key = _cache_key(lm, layer, window, config, corpus)
    path = cache_dir("samadhi", "features") / f"{key}.safetensors"
    start = time.perf_counter()
    cached = _read_cache(path, log) if use_cache else None
    if cached is None:
        log(f"extracting token states ({lm.facts.spec}, layer {layer}); cache {path.name}")
        tensors, meta = _extract(lm, layer, window, config, corpus, concepts)
        save_checked(path, {name: t.numpy() for name, t in tensors.items()}, {"meta": json.dumps(meta)})
    else:
        tensors, meta = cached
        log(f"token states from cache {path}")
    splits = {name: _window_set(tensors, meta, name) for name in ("train", "valid")}
    facts = {
        "model": lm.facts.spec,
        "layer": layer,
        "window": window,
        "cache_key": key,
        "cache_path": str(path),
        "from_cache": cached is not None,
        "seconds": time.perf_counter() - start,
        "counts": {name: dict(Counter(ws.kinds)) for name, ws in splits.items()},
        "per_concept": {
            name: [int((ws.labels == k).sum()) for k in range(len(concepts))] for name, ws in splits.items()
        },
        "truncated_windows": meta["truncated"],
        "corpus_fingerprint": corpus.fingerprint,
    }
    return ConceptData(concepts, splits["train"], splits["valid"], tensors["mean"], tensors["std"], facts)


def _read_cache(path: Path, log: Callable[[str], None]) -> tuple[dict[str, Tensor], dict] | None:
    """The cached entry, or None when there is none or it fails its CRC-32 (`semphys.core.safefile`): then the
    caller extracts it again and overwrites it, so damaged token states are never trained on."""
    if not path.is_file():
        return None
    try:
        arrays, metadata = load_checked(path)
        return {name: torch.from_numpy(a) for name, a in arrays.items()}, json.loads(metadata["meta"])
    except (DamagedFile, OSError, ValueError, KeyError) as err:
        log(f"cache entry {path.name} is damaged ({err}); extracting again")
        return None


def _extract(
    lm: LM, layer: int, window: int, config: SamadhiTrainConfig, corpus: Corpus, concepts: tuple[str, ...]
) -> tuple[dict[str, Tensor], dict]:
    texts, kinds, synsets, labels, splits = [], [], [], [], []
    for split, docs, per_concept in (
        ("train", corpus.train, config.train_per_concept),
        ("valid", corpus.valid, config.valid_per_concept),
    ):
        drawn = draw_documents(docs, concepts, per_concept, config.seed)
        if not drawn:
            raise UserError(f"no {split} documents for the concepts {list(concepts)}")
        noise, noise_kinds, sources = noise_texts(
            lm, drawn, round(config.noise_fraction * len(drawn)), config.seed + (split == "valid")
        )
        texts += [doc.text for doc in drawn] + noise
        kinds += ["real"] * len(drawn) + noise_kinds
        synsets += [doc.synset_id for doc in drawn] + sources
        labels += [concepts.index(doc.lexname) for doc in drawn] + [-1] * len(noise)
        splits += [split] * (len(drawn) + len(noise))
    valid_docs = drawn  # the last split drawn; held-out noise is built from held-out documents only
    salad, salad_sources = word_salad_texts(
        valid_docs, round(config.noise_fraction * len(valid_docs) / 2), config.seed + 2
    )
    states = token_states(lm, texts, layer, batch_tokens=config.batch_tokens, progress=True).states
    if salad:  # forwarded on their own, so that the other windows' batches (and numbers) stay as they were
        states += token_states(lm, salad, layer, batch_tokens=config.batch_tokens, progress=False).states
        texts += salad
        kinds += ["word_salad"] * len(salad)
        synsets += salad_sources
        labels += [-1] * len(salad)
        splits += ["valid"] * len(salad)
    truncated = sum(len(s) > window for s in states)
    states = [s[:window] for s in states]
    empty = [texts[i][:40] for i, s in enumerate(states) if len(s) == 0]
    if empty:
        raise UserError(f"{len(empty)} window(s) have no token, e.g. {empty[0]!r}: the data cannot be used")
    train_real = torch.cat([s for s, k, sp in zip(states, kinds, splits) if k == "real" and sp == "train"])
    mean, std = train_real.mean(dim=0), train_real.std(dim=0).clamp_min(1e-6)
    tensors = {
        "tokens": ((torch.cat(states) - mean) / std).to(torch.float16),
        "lengths": torch.tensor([len(s) for s in states]),
        "labels": torch.tensor(labels),
        "mean": mean,
        "std": std,
    }
    meta = {
        "texts": texts,
        "kinds": kinds,
        "synsets": synsets,
        "splits": splits,
        "window": window,
        "truncated": truncated,
        "concepts": list(concepts),
    }
    return tensors, meta


def _window_set(tensors: dict[str, Tensor], meta: dict, split: str) -> WindowSet:
    lengths = tensors["lengths"].tolist()
    starts = [0]
    for n in lengths:
        starts.append(starts[-1] + n)
    rows = [i for i, s in enumerate(meta["splits"]) if s == split]
    width = max(lengths[i] for i in rows)
    d = tensors["tokens"].shape[1]
    features = torch.zeros(len(rows), width, d)
    mask = torch.zeros(len(rows), width, dtype=torch.bool)
    for r, i in enumerate(rows):
        features[r, : lengths[i]] = tensors["tokens"][starts[i] : starts[i + 1]].float()
        mask[r, : lengths[i]] = True
    return WindowSet(
        features,
        mask,
        tensors["labels"][rows],
        [meta["kinds"][i] for i in rows],
        [meta["texts"][i] for i in rows],
        [meta["synsets"][i] for i in rows],
    )
