"""get_backend(): turn a spec (None, a name, a URL, a path, an object) into a Backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sciReason.backends.base import Backend
from sciReason.errors import ConfigError


def get_backend(spec: Any = None, **options: Any) -> Backend:
    """Resolve a backend.

    Args:
        spec: ``None`` (``$SCIREASON_BACKEND``, else the embedded default model), ``"scripted"``,
            ``"scripted:replies.json"`` (a JSON object mapping prompt substrings to replies, ``"*"`` = default),
            an ``http(s)://`` URL (remote OpenAI-compatible server), ``"local:PATH_OR_HUB_ID"`` or an
            existing model directory (local transformers weights), ``"tiny"`` (the embedded
            ``sciReason-tiny`` model), or an object that already implements :class:`Backend`.
        options: passed to the backend constructor (e.g. ``api_key``, ``dialect``, ``device_map``).

    Raises:
        ConfigError: the spec matches no backend; the message lists the accepted forms.
    """
    if spec is None:
        from sciReason.settings import default_backend_spec

        spec = default_backend_spec() or "tiny"
    if not isinstance(spec, str):
        if hasattr(spec, "complete"):
            return spec
        raise ConfigError(f"backend {spec!r} is neither a string nor an object with a complete() method")
    text = spec.strip()
    if text == "scripted" or text.startswith("scripted:"):
        from sciReason.backends.scripted import ScriptedBackend, load_script

        if text.startswith("scripted:"):
            return load_script(text.split(":", 1)[1])
        return ScriptedBackend(options.pop("handler", ""), **options)
    if text.startswith(("http://", "https://")):
        from sciReason.backends.remote import RemoteBackend

        return RemoteBackend(base_url=text, **options)
    if text == "tiny":
        from sciReason.backends.local import LocalBackend, tiny_model_path

        return LocalBackend(tiny_model_path(), **options)
    if text.startswith(("local:", "hf:")):
        from sciReason.backends.local import LocalBackend

        return LocalBackend(text.split(":", 1)[1], **options)
    if Path(text).expanduser().is_dir():
        from sciReason.backends.local import LocalBackend

        return LocalBackend(text, **options)
    raise ConfigError(
        f"unknown backend {spec!r}: use 'tiny' (embedded default), 'scripted', an http(s):// server URL, "
        "'local:PATH_OR_HUB_ID', or a model directory that exists"
    )
