"""Tiny offline models for tests (kept as an import path for tests and scripts; the code lives in
:mod:`sciReason.training.tiny`, which the library uses, so that nothing in the library imports this package)."""

from __future__ import annotations

from sciReason.training import tiny as _tiny
from sciReason.training.tiny import *  # noqa: F403 - the same names, re-exported

__all__ = list(_tiny.__all__)
