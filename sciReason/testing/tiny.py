"""Tiny offline models for tests (kept as an import path for tests and scripts; the code lives in
:mod:`sciReason.training.tiny`, which the library uses, so that nothing in the library imports this package)."""

from __future__ import annotations

from sciReason.training.tiny import (
    CHAT_TEMPLATE,
    CONTROL_TOKENS,
    SCIENCE_TAGS,
    build_tiny_model,
    default_corpus,
    train_tokenizer,
)

__all__ = [
    "CHAT_TEMPLATE",
    "CONTROL_TOKENS",
    "SCIENCE_TAGS",
    "build_tiny_model",
    "default_corpus",
    "train_tokenizer",
]
