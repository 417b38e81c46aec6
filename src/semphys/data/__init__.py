"""Ground floor, data side: WordNet 3.0 as a sense inventory, a WordNet text corpus, a tokenizer.

    wordnet_layout  Debian's WordNet files laid out for nltk (built once under the semphys cache)
    wordnet         `Sense`, `WordNet`, `load_wordnet`: lemma -> senses, sense pairs
    corpus          `Document`, `Corpus`, `load_corpus`: one document per synset, split by synset
    tokenizer       `train_tokenizer`, `token_stream`: byte-level BPE on the train split

Needs Debian's `wordnet-base` and `wordnet-sense-index`; without them the loaders raise
`UserError` naming the install command.
"""

from semphys.data.corpus import (
    Corpus,
    Document,
    documents_fingerprint,
    in_validation,
    load_corpus,
    split_documents,
    wordnet_documents,
)
from semphys.data.tokenizer import SPECIAL_TOKENS, token_stream, tokenizer_path, train_tokenizer
from semphys.data.wordnet import Sense, WordNet, anchor_sentences, load_wordnet, mentions
from semphys.data.wordnet_layout import (
    DEBIAN_WORDNET_DIR,
    INSTALL_COMMAND,
    LEXNAMES,
    nltk_wordnet_dir,
)

__all__ = [
    "DEBIAN_WORDNET_DIR",
    "INSTALL_COMMAND",
    "LEXNAMES",
    "SPECIAL_TOKENS",
    "Corpus",
    "Document",
    "Sense",
    "WordNet",
    "anchor_sentences",
    "documents_fingerprint",
    "in_validation",
    "load_corpus",
    "load_wordnet",
    "mentions",
    "nltk_wordnet_dir",
    "split_documents",
    "token_stream",
    "tokenizer_path",
    "train_tokenizer",
    "wordnet_documents",
]
