"""Counted failures: an exception an oracle turns into "could not score" (``None``) is counted by type and
logged once per type, so a task whose every call fails shows up as failures, not as a silent AUC of 0.

Oracles that catch per-candidate exceptions keep a :class:`FailureCounter` in ``oracle.failure_counts``;
:func:`failure_report` gathers those of an objective and its terms for ``summary.json``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

__all__ = ["FailureCounter", "failure_report"]

logger = logging.getLogger(__name__)


class FailureCounter:
    """Exceptions per type (with the first message of each), the first of each type logged as a warning."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counts: dict[str, int] = {}
        self.examples: dict[str, str] = {}

    def record(self, exc: BaseException, candidate: Any = None) -> None:
        kind = type(exc).__name__
        if kind not in self.counts:
            self.examples[kind] = str(exc)[:200]
            logger.warning(
                "oracle %s could not score %r: %s: %s (further %s errors are counted, not logged)",
                self.name,
                candidate,
                kind,
                exc,
                kind,
            )
        self.counts[kind] = self.counts.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "by_type": dict(self.counts), "examples": dict(self.examples)}


def _oracles(objective: Any) -> Iterable[Any]:
    yield objective
    for term in getattr(objective, "terms", ()) or ():
        oracle = getattr(term, "oracle", None)
        if oracle is not None:
            yield oracle


def failure_report(objective: Any, values: Iterable[float | None] = ()) -> dict[str, Any]:
    """``{"unscored": N, "errors": {oracle name: {total, by_type, examples}}}``: how many candidates got no
    score (``values`` = the scored values, ``None`` = unscored) and the exceptions the objective and its term
    oracles counted while scoring."""
    errors = {}
    for oracle in _oracles(objective):
        counter = getattr(oracle, "failure_counts", None)
        if isinstance(counter, FailureCounter) and counter.total:
            errors[counter.name] = counter.to_dict()
    return {"unscored": sum(v is None for v in values), "errors": errors}
