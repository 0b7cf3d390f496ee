"""The only place sciReason reads environment variables."""

from __future__ import annotations

import os


def default_backend_spec() -> str | None:
    """``SCIREASON_BACKEND``: a URL, a model directory, ``local:ID``, ``tiny`` or ``scripted``."""
    return os.environ.get("SCIREASON_BACKEND") or None


def api_key() -> str | None:
    """``SCIREASON_API_KEY`` (falls back to ``OPENAI_API_KEY``); never logged."""
    return os.environ.get("SCIREASON_API_KEY") or os.environ.get("OPENAI_API_KEY") or None


def hub_offline() -> bool:
    """True when the Hugging Face hub must not be contacted (``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE``)."""
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )
