"""Backends: where completions come from (scripted, local transformers weights, a remote server).

``get_backend(spec)`` normalises a name, a URL, a path or an object into a :class:`Backend`.
"""

from __future__ import annotations

from sciReason.backends.base import Backend, BackendBase, BackendResult, acomplete, astream, stream
from sciReason.backends.registry import get_backend
from sciReason.backends.scripted import ScriptedBackend

__all__ = [
    "Backend",
    "BackendBase",
    "BackendResult",
    "ScriptedBackend",
    "acomplete",
    "astream",
    "get_backend",
    "stream",
]

_LAZY = {
    "LocalBackend": "sciReason.backends.local",
    "RemoteBackend": "sciReason.backends.remote",
    "ChatServer": "sciReason.backends.server",
}


def __getattr__(name: str) -> object:
    """``from sciReason.backends import LocalBackend`` without importing transformers/httpx up front."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
