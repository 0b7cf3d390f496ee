"""Shared fixtures for the training tests: one thread, offline, tiny models built from a config."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """A randomly initialised 2-layer Qwen3 model with the science tokenizer (built offline, seconds)."""
    from sciReason.training.tiny import build_tiny_model

    return build_tiny_model(
        tmp_path_factory.mktemp("tiny") / "m", hidden_size=32, num_layers=2, num_heads=2, vocab_size=300
    )
