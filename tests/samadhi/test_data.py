"""Windows over WordNet: concepts, draws, noise, standardisation, the feature cache."""

from collections import Counter

import pytest
import torch

from semphys.core.errors import UserError
from semphys.data import load_corpus
from semphys.lm import load_lm
from semphys.samadhi.data import draw_documents, load_concept_data, noise_texts, select_concepts


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_concepts_are_the_most_frequent_lexnames(corpus) -> None:
    concepts = select_concepts(corpus, 3)
    counts = Counter(doc.lexname for doc in corpus.train)
    assert list(concepts) == [name for name, _ in counts.most_common(3)]
    with pytest.raises(UserError, match="only 45 lexicographer categories"):
        select_concepts(corpus, 46)


def test_draws_are_seeded_per_concept_and_split_by_synset(corpus) -> None:
    concepts = select_concepts(corpus, 4)
    drawn = draw_documents(corpus.train, concepts, 7, seed=3)
    assert drawn == draw_documents(corpus.train, concepts, 7, seed=3)
    assert drawn != draw_documents(corpus.train, concepts, 7, seed=4)
    assert Counter(doc.lexname for doc in drawn) == {name: 7 for name in concepts}
    held_out = draw_documents(corpus.valid, concepts, 7, seed=3)
    assert not {d.synset_id for d in drawn} & {d.synset_id for d in held_out}


def test_noise_is_half_random_half_shuffled(corpus, long_gpt2_dir) -> None:
    lm = load_lm(str(long_gpt2_dir))
    docs = draw_documents(corpus.train, select_concepts(corpus, 2), 5, seed=0)
    texts, kinds, sources = noise_texts(lm, docs, 6, seed=0)
    assert kinds == ["random", "shuffled"] * 3
    by_id = {d.synset_id: d for d in docs}
    for text, kind, source in zip(texts, kinds, sources):
        if kind == "shuffled":  # a permutation of the source document's characters' tokens
            assert sorted(text) == sorted(by_id[source].text)


def test_features_are_standardised_and_cached(tiny_configs, feature_cache, monkeypatch) -> None:
    config, base = tiny_configs
    lm = load_lm(base.lm_spec)
    data = load_concept_data(lm, base.lm_layer, base.window, config)
    train_real = data.train.select("real")
    tokens = train_real.features[train_real.mask]
    assert tokens.mean(dim=0).abs().max() < 1e-2 and (tokens.std(dim=0) - 1).abs().max() < 1e-2
    assert data.train.features.shape[1] <= base.window
    assert (data.valid.labels[[k != "real" for k in data.valid.kinds]] == -1).all()
    assert set(data.valid.kinds) == {"real", "random", "shuffled", "word_salad"}
    assert set(data.train.kinds) == {"real", "random", "shuffled"}  # the held-out kind is never trained on
    held_out_words = {w for text in data.valid.select("real").texts for w in text.split()}
    for text in data.valid.select("word_salad").texts:
        assert set(text.split()) <= held_out_words  # real held-out words, nothing else
    # a second call reads the cache and runs no model
    monkeypatch.setattr("semphys.samadhi.data.token_states", lambda *a, **k: pytest.fail("ran the model"))
    again = load_concept_data(lm, base.lm_layer, base.window, config)
    assert again.facts["from_cache"]
    torch.testing.assert_close(again.train.features, data.train.features)


def test_damaged_cache_is_extracted_again(tiny_configs, feature_cache) -> None:
    config, base = tiny_configs
    lm = load_lm(base.lm_spec)
    first = load_concept_data(lm, base.lm_layer, base.window, config)
    path = feature_cache / f"{first.facts['cache_key']}.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    again = load_concept_data(lm, base.lm_layer, base.window, config)
    assert not again.facts["from_cache"]
    torch.testing.assert_close(again.valid.features, first.valid.features)
