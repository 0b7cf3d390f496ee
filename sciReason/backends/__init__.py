"""Backends: where completions come from (scripted, local transformers weights, a remote server).

``get_backend(spec)`` normalises a name, a URL, a path or an object into a :class:`Backend`.
"""

from __future__ import annotations

from sciReason.backends.base import Backend, BackendBase, BackendResult, acomplete
from sciReason.backends.registry import get_backend
from sciReason.backends.scripted import ScriptedBackend

__all__ = ["Backend", "BackendBase", "BackendResult", "ScriptedBackend", "acomplete", "get_backend"]
