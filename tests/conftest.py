"""Shared fixtures: the real embedded models (loaded once per session) and a tiny GPT-2."""

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # torch and transformers load only in the sessions that use a model
    from semphys.lm import LM

TINY_TEXT = [
    "I sat by the river bank and watched the water.",
    "She deposited her savings at the bank before noon.",
    "The bat hung upside down in the dark cave.",
    "The construction crane lifted steel beams to the roof.",
]


@pytest.fixture(scope="session")
def embedded() -> "LM":
    """Gemma-3-270M from the packaged GGUF (built into the user cache on first use)."""
    from semphys.lm import load_lm

    return load_lm("embedded")


@pytest.fixture(scope="session")
def minilm() -> "LM":
    from semphys.lm import load_lm

    return load_lm("minilm")


def save_tiny_gpt2(directory: Path, n_positions: int = 64) -> Path:
    """A 2-layer GPT-2 with random weights and a byte-level BPE tokenizer, saved as an HF directory."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        TINY_TEXT,
        trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
    )
    tokenizer = GPT2TokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", bos_token="<|endoftext|>")
    config = GPT2Config(n_layer=2, n_embd=32, n_head=4, n_positions=n_positions, vocab_size=bpe.get_vocab_size())
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_gpt2(tiny_gpt2_dir: Path) -> "LM":
    from semphys.lm import load_lm

    return load_lm(str(tiny_gpt2_dir))
