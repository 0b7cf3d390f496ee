"""Model-backed oracles: any predict/classify task of the SDK as a batch oracle.

``model(task="smol_property_prediction-esol")`` sends the whole batch through one
:meth:`sciReason.client.Client.run` call (the client batches requests to its backend), and reads each
result's ``value``: numbers as they are, yes/no answers as 1.0/0.0, a label as 1.0 when it equals
``label``. A result that is not ``valid`` (unparsable answer, backend error for that item) gives ``None``,
never a made-up number. In a target: ``model(task=smol_property_prediction-bbbp)>0.5``,
``model(task=smol_property_prediction-esol, backend=http://127.0.0.1:8000)>-3``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

from sciReason.oracles.base import Direction
from sciReason.oracles.registry import register_oracle

__all__ = ["ModelOracle", "model_oracle"]

_DOMAINS = {"molecule", "protein", "dna", "rna"}


class ModelOracle:
    """A predict/classify task as an oracle (see module docstring).

    Args:
        task: task id (``sciReason tasks``); must be a predict or classify task.
        client: a :class:`~sciReason.client.Client` to use; built from ``backend`` on first call if omitted.
        backend: backend spec for the client (URL, model directory, ``"tiny"``, a Backend object).
        label: for label tasks, the label that scores 1.0 (others 0.0).
        index: for tasks that answer several numbers, which one to use.
        direction: which way is better for a bare term (classification: maximize the positive class).
        overrides: sampling overrides passed to ``Client.run`` (``temperature``, ``max_tokens``, ...).
    """

    def __init__(
        self,
        task: str,
        *,
        client: Any = None,
        backend: Any = None,
        label: str | None = None,
        index: int = 0,
        direction: Direction = "maximize",
        **overrides: Any,
    ) -> None:
        from sciReason.tasks import get_task

        spec = get_task(task)
        if spec.family not in ("predict", "classify"):
            raise ValueError(
                f"task {spec.id!r} is a {spec.family} task; a model oracle needs a predict or classify task"
            )
        if direction not in ("maximize", "minimize"):
            raise ValueError(f"direction must be maximize or minimize, got {direction!r}")
        if label is not None and spec.options and label not in spec.options:
            raise ValueError(f"label {label!r} is not one of the task's labels {list(spec.options)}")
        self.spec = spec
        self.name = f"model({spec.id})" if label is None else f"model({spec.id}, label={label})"
        self.direction = direction
        self.domain = spec.domain if spec.domain in _DOMAINS else "any"
        self.description = f"{spec.family} with the model: {spec.description or spec.id}"
        self.label = label
        self.index = int(index)
        self.overrides = overrides
        self.bounds = (0.0, 1.0) if spec.family == "classify" else None
        self.scale = 0.1 if spec.family == "classify" else 1.0
        self._client = client
        self._backend = backend
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from sciReason.client import Client

                self._client = Client(self._backend)
            return self._client

    def _to_float(self, value: Any) -> float | None:
        if self.label is not None:
            return float(str(value).strip().lower() == self.label.lower())
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, (list, tuple)):
            value = value[self.index] if len(value) > self.index else None
        if isinstance(value, str) and value.strip().lower() in ("yes", "no", "true", "false"):
            return float(value.strip().lower() in ("yes", "true"))
        try:
            f = float(value)
        except (TypeError, ValueError):
            return None
        return f if math.isfinite(f) else None

    def __call__(self, candidates: Sequence[str]) -> list[float | None]:
        if not candidates:
            return []
        results = self.client.run(self.spec.id, list(candidates), **self.overrides)
        out: list[float | None] = []
        for res in results:
            if not getattr(res, "valid", False):  # ItemError or an unparsable answer
                out.append(None)
            else:
                out.append(self._to_float(res.value))
        return out

    def __repr__(self) -> str:
        return f"ModelOracle({self.spec.id!r})"


def model_oracle(
    task: str,
    backend: Any = None,
    label: str | None = None,
    index: int = 0,
    direction: Direction = "maximize",
    **overrides: Any,
) -> ModelOracle:
    """Factory for the ``model(...)`` term (see :class:`ModelOracle`)."""
    return ModelOracle(task, backend=backend, label=label, index=index, direction=direction, **overrides)


register_oracle(
    "model",
    model_oracle,
    description="any predict/classify task of the SDK, scored by the model",
    domain="any",
    signature="model(task=ID, backend=None, label=None, index=0, direction=maximize)",
)
