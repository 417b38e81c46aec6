"""The WordNet corpus: one document per synset, a deterministic split by synset, an atomic cache."""

import json
from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.data import (
    Corpus,
    Document,
    documents_fingerprint,
    in_validation,
    load_corpus,
    split_documents,
)
from semphys.data import corpus as corpus_module

N_SYNSETS = 117_659


def _docs(n: int) -> list[Document]:
    return [Document(f"text {i}", f"w{i}.n.01", "noun.Tops", "n") for i in range(n)]


def test_one_document_per_synset(corpus: Corpus):
    ids = [doc.synset_id for doc in corpus.train + corpus.valid]
    assert len(ids) == len(set(ids)) == N_SYNSETS


def test_splits_are_disjoint_by_synset(corpus: Corpus):
    train = {doc.synset_id for doc in corpus.train}
    valid = {doc.synset_id for doc in corpus.valid}
    assert not train & valid
    assert all(in_validation(s, 0.05, 0) for s in valid)


def test_validation_share_is_near_the_fraction(corpus: Corpus):
    share = len(corpus.valid) / N_SYNSETS
    # binomial standard deviation sqrt(0.05 * 0.95 / 117659) = 0.0006: allow about 8 of them
    assert abs(share - 0.05) < 0.005


def test_documents_are_glosses_with_examples(corpus: Corpus):
    docs = {doc.synset_id: doc for doc in corpus.train + corpus.valid}
    bank = docs["bank.n.01"]
    assert bank.text == (
        "sloping land (especially the slope beside a body of water)\n"
        "they pulled the canoe up on the bank\n"
        "he sat on the bank of the river and watched the currents"
    )
    assert (bank.lexname, bank.pos) == ("noun.object", "n")
    assert sum("\n" in doc.text for doc in docs.values()) == 32_923  # synsets with examples
    assert 8_500_000 < sum(len(doc.text) for doc in docs.values()) < 9_000_000


def test_split_is_deterministic_and_seeded(corpus: Corpus):
    again = load_corpus()
    assert again.valid == corpus.valid and again.fingerprint == corpus.fingerprint
    other = load_corpus(seed=1)
    assert {d.synset_id for d in other.valid} != {d.synset_id for d in corpus.valid}
    assert abs(len(other.valid) / N_SYNSETS - 0.05) < 0.005
    assert other.fingerprint != corpus.fingerprint


def test_larger_fraction_holds_out_a_superset(corpus: Corpus):
    wider = load_corpus(valid_fraction=0.2)
    assert {d.synset_id for d in corpus.valid} < {d.synset_id for d in wider.valid}
    assert abs(len(wider.valid) / N_SYNSETS - 0.2) < 0.01


def test_texts_follow_the_split(corpus: Corpus):
    assert corpus.texts("valid") == [doc.text for doc in corpus.valid]
    assert corpus.texts() == [doc.text for doc in corpus.train]
    with pytest.raises(UserError, match="use one of train, valid"):
        corpus.texts("test")


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_bad_valid_fraction_is_a_user_error(fraction: float):
    with pytest.raises(UserError, match="strictly between 0 and 1"):
        split_documents(_docs(10), valid_fraction=fraction)


def test_split_keeps_order_and_hashes_ids_not_positions():
    docs = _docs(2000)
    split = split_documents(docs, 0.3, seed=7)
    assert list(split.train) == [d for d in docs if d in split.train]
    reversed_split = split_documents(docs[::-1], 0.3, seed=7)
    assert set(reversed_split.valid) == set(split.valid)
    assert 0.25 < len(split.valid) / 2000 < 0.35


def test_fingerprint_changes_with_any_text():
    docs = _docs(5)
    changed = docs[:4] + [Document("text 4!", "w4.n.01", "noun.Tops", "n")]
    assert documents_fingerprint(docs) == documents_fingerprint(list(docs))
    assert documents_fingerprint(docs) != documents_fingerprint(changed)


def test_missing_data_names_the_install_command(tmp_path: Path):
    with pytest.raises(UserError, match="apt-get install wordnet-base wordnet-sense-index"):
        load_corpus(source=tmp_path)


def test_interrupted_cache_write_leaves_no_file(tmp_path: Path):
    path = tmp_path / "docs.jsonl"

    def interrupted():
        yield from _docs(3)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        corpus_module._write_jsonl(path, interrupted())
    assert list(tmp_path.iterdir()) == []

    corpus_module._write_jsonl(path, _docs(3))
    assert [json.loads(line)[0] for line in path.open()] == ["w0.n.01", "w1.n.01", "w2.n.01"]
    assert corpus_module._read_jsonl(path) == tuple(_docs(3))
