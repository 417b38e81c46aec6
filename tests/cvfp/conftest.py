"""Shared CVFP fixtures: real text streams and models whose recurrence does or does not contract."""

import numpy as np
import pytest
import torch

from semphys.cvfp.model import CVFPConfig, CVFPModel
from semphys.textlm.data import DataConfig, TextData, load_text_data


@pytest.fixture(scope="session")
def text() -> TextData:
    """A few thousand tokens of real WordNet text (train and validation)."""
    return load_text_data(DataConfig(max_train_tokens=20000, max_valid_tokens=4000))


def contracting_model(vocab_size: int = 2048, seed: int = 0) -> CVFPModel:
    """A spec-shaped model (16/16/32, [1, 1], full LayerNorm) whose F forgets its input context fast:
    the token half of each FNN weight is scaled up, the context half down."""
    torch.manual_seed(seed)
    model = CVFPModel(CVFPConfig(vocab_size=vocab_size))
    with torch.no_grad():
        for layer in model.layers:
            layer.fnn.weight[:, :16] *= 2.0
            layer.fnn.weight[:, 16:] *= 40.0
    return model.eval()


def spec_model(vocab_size: int = 2048, seed: int = 0) -> CVFPModel:
    """The spec's model at its initialisation (weights N(0, 0.05), full LayerNorm)."""
    torch.manual_seed(seed)
    return CVFPModel(CVFPConfig(vocab_size=vocab_size))


def stream(data: TextData, n: int, split: str = "valid") -> torch.Tensor:
    return torch.from_numpy(np.asarray(getattr(data, split).ids[:n]))
