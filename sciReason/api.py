"""Module-level task functions over a default :class:`~sciReason.client.Client` (like ``httpx.get``).

The default client uses ``$SCIREASON_BACKEND`` when set, else the embedded ``sciReason-tiny`` model on
CPU. ``configure(backend=...)`` replaces it for the whole process.
"""

from __future__ import annotations

import threading
from typing import Any

from sciReason.client import Client

_lock = threading.Lock()
_default: Client | None = None


def configure(backend: Any = None, **options: Any) -> Client:
    """Set the backend of the module-level functions (a URL, a model directory, "tiny", or a Backend)."""
    global _default
    with _lock:
        if _default is not None:
            _default.close()
        _default = Client(backend, **options)
        return _default


def default_client() -> Client:
    global _default
    with _lock:
        if _default is None:
            _default = Client()
        return _default


def translate(
    x: Any, *, source: str | None = None, target: str | None = None, task: str | None = None, **kw: Any
) -> Any:
    """``translate("CCO", source="smiles", target="iupac")``: see :meth:`Client.translate`."""
    return default_client().translate(x, source=source, target=target, task=task, **kw)


def extract(text: Any, *, task: str | None = None, property: str | None = None, **kw: Any) -> Any:
    """See :meth:`Client.extract`."""
    return default_client().extract(text, task=task, property=property, **kw)


def predict(x: Any, *, property: str | None = None, task: str | None = None, **kw: Any) -> Any:
    """``predict("CCO", property="esol")``: see :meth:`Client.predict`."""
    return default_client().predict(x, property=property, task=task, **kw)


def classify(x: Any, *, property: str | None = None, task: str | None = None, **kw: Any) -> Any:
    """``classify("CCO", property="bbbp")``: see :meth:`Client.classify`."""
    return default_client().classify(x, property=property, task=task, **kw)


def generate(
    kind: str = "molecule", *, condition: Any = None, n: int = 1, task: str | None = None, **kw: Any
) -> Any:
    """``generate("molecule", n=10)``: see :meth:`Client.generate`."""
    return default_client().generate(kind, condition=condition, n=n, task=task, **kw)
