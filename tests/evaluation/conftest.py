"""Helpers for the evaluation tests: build items and run one metric by name through the registry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from sciReason.evaluation.metrics.base import EvalItem, MetricResult
from sciReason.evaluation.registry import compute


@dataclass(frozen=True)
class FakeSpec:
    """The fields of a TaskSpec that metrics read (for metric tests that are not tied to one task)."""

    id: str = "test_task"
    output_kind: str = ""
    options: tuple[str, ...] = ()
    n_values: int = 1
    metrics: tuple[str, ...] = field(default_factory=tuple)


def make_items(
    values: Sequence[Any],
    golds: Sequence[Any],
    candidates: Sequence[Sequence[Any]] | None = None,
    inputs: Sequence[Any] | None = None,
) -> list[EvalItem]:
    out = []
    for i, (v, g) in enumerate(zip(values, golds, strict=True)):
        gold = tuple(g) if isinstance(g, tuple) else (() if g is None else (g,))
        cands = tuple(candidates[i]) if candidates else ()
        out.append(
            EvalItem(
                id=str(i),
                task="test_task",
                value=v,
                gold=gold,
                candidates=cands,
                input=inputs[i] if inputs else None,
            )
        )
    return out


def run_metric(
    name: str,
    values: Sequence[Any],
    golds: Sequence[Any],
    kind: str = "",
    options: tuple[str, ...] = (),
    candidates: Sequence[Sequence[Any]] | None = None,
    params: dict[str, Any] | None = None,
    inputs: Sequence[Any] | None = None,
    task: str = "test_task",
) -> MetricResult:
    spec = FakeSpec(id=task, output_kind=kind, options=options)
    return compute(name, make_items(values, golds, candidates, inputs), spec, params)


@pytest.fixture
def metric():
    return run_metric
