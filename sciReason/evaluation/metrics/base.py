"""Shared types of the metric functions: one scored item, the task context, and one metric's result.

Every metric is a function ``fn(items, ctx) -> MetricResult`` over ALL items of one task. An item whose
answer did not parse (or is chemically / biologically invalid) stays in ``items`` with ``value=None``;
each metric states what such an item contributes (its *failure policy*), and the result always carries
``n`` (all items), ``n_parsed`` (items with a usable answer) and so the coverage beside the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EvalItem:
    """One evaluated example.

    Attributes:
        id: item id (from the data file, or its line number).
        task: task id.
        value: the parsed top-1 answer (``Parsed.value``), ``None`` when it did not parse or is invalid.
        candidates: parsed values of all ranked candidates (beams / samples), ``None`` where a candidate did
            not parse; ``candidates[0]`` is the top-1. Empty means "only ``value``".
        gold: parsed gold alternatives (a match against any one counts). Empty for generation tasks.
        input: the task input (prompt content), used by metrics that check the answer against it.
        reason: why the answer is unusable, when it is.
        reference: how the SciReasoner reference evaluation reads the same raw text: ``"same"`` (as
            sciReason does), ``"different"``, ``"model"`` (it would ask an NLI model / LLM judge), or
            ``""`` (not checked). See :mod:`sciReason.evaluation.reference`.
    """

    id: str
    task: str
    value: Any = None
    candidates: tuple[Any, ...] = ()
    gold: tuple[Any, ...] = ()
    input: Any = None
    reason: str | None = None
    reference: str = ""

    @property
    def parsed(self) -> bool:
        return self.value is not None

    @property
    def ranked(self) -> tuple[Any, ...]:
        """The ranked candidates, with the top-1 value first (``(value,)`` when no candidates were kept)."""
        return self.candidates if self.candidates else (self.value,)


@dataclass(frozen=True)
class MetricContext:
    """What a metric may know about the task besides the items (taken from the :class:`TaskSpec`).

    Attributes:
        task: task id.
        output_kind: ``TaskSpec.output_kind`` (smiles, number, boolean, labels, protein, material, ...).
        options: class labels of the task (``TaskSpec.options``).
        params: per-task metric parameters, looked up by exact task id (see ``registry.TASK_PARAMS``).
    """

    task: str = ""
    output_kind: str = ""
    options: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class MetricResult:
    """One metric on one task.

    Attributes:
        metric: the metric name.
        value: the headline value (failures included by the metric's policy); ``None`` when it cannot be
            computed here (a missing external tool) or is undefined (e.g. correlation of constant values).
        n: number of items.
        n_parsed: items with a usable (parsed and valid) answer.
        per_item: per-item scores where the metric is a mean of item scores (same order as the items).
        details: secondary numbers, e.g. the reference-style value over parsed items only.
        comparable: whether the value is computed like the reference evaluation (set by the registry).
        note: why it is not comparable / how it differs, and the failure policy.
        reason: why ``value`` is ``None``.
    """

    metric: str
    value: float | None
    n: int
    n_parsed: int
    per_item: list[float | None] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    comparable: bool = True
    note: str = ""
    reason: str | None = None

    @property
    def coverage(self) -> float:
        return self.n_parsed / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": self.value,
            "n": self.n,
            "n_parsed": self.n_parsed,
            "coverage": round(self.coverage, 6),
            "comparable": self.comparable,
            "note": self.note,
            "reason": self.reason,
            "details": self.details,
        }


MetricFn = Callable[[Sequence[EvalItem], MetricContext], MetricResult]


def count_parsed(items: Sequence[EvalItem]) -> int:
    return sum(1 for it in items if it.parsed)


def mean_of(
    metric: str, items: Sequence[EvalItem], scores: list[float | None], **details: Any
) -> MetricResult:
    """Mean of per-item scores over ALL items; a ``None`` score (no usable answer) counts as 0.

    Items without usable gold are the exception: the caller passes them as ``nan`` and they are left out
    and counted in ``details["n_gold_unusable"]`` (a dataset problem, not a model failure).
    """
    kept = [s for s in scores if not (isinstance(s, float) and math.isnan(s))]
    n_bad_gold = len(scores) - len(kept)
    if n_bad_gold:
        details["n_gold_unusable"] = n_bad_gold
    values = [0.0 if s is None else float(s) for s in kept]
    value = sum(values) / len(values) if values else None
    parsed_scores = [
        float(s)
        for it, s in zip(items, scores, strict=False)
        if it.parsed and s is not None and not (isinstance(s, float) and math.isnan(s))
    ]
    details.setdefault("mean_over_parsed", sum(parsed_scores) / len(parsed_scores) if parsed_scores else None)
    per_item = [None if (s is None or (isinstance(s, float) and math.isnan(s))) else float(s) for s in scores]
    n = len(items) - n_bad_gold
    n_parsed = sum(
        1
        for it, s in zip(items, scores, strict=False)
        if it.parsed and not (isinstance(s, float) and math.isnan(s))
    )
    return MetricResult(
        metric,
        value,
        n,
        n_parsed,
        per_item=per_item,
        details=details,
        reason=None if values else "no items with usable gold",
    )


# ---------------------------------------------------------------- value coercion


def as_float(value: Any) -> float | None:
    """A finite float from a parsed value (float, int, numeric string, or a 1-element list)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def as_floats(value: Any) -> tuple[float, ...] | None:
    if isinstance(value, (list, tuple)):
        out = [as_float(v) for v in value]
        return None if any(v is None for v in out) else tuple(out)  # type: ignore[misc]
    f = as_float(value)
    return None if f is None else (f,)


_POSITIVE = {"yes", "true", "positive", "1", "direct", "y"}
_NEGATIVE = {"no", "false", "negative", "0", "indirect", "n"}


def as_binary(value: Any) -> int | None:
    """1 / 0 for a binary label (bool, yes/no, true/false, positive/negative, Direct/Indirect, 1/0)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    if isinstance(value, str):
        key = value.strip().strip(".").lower()
        if key in _POSITIVE:
            return 1
        if key in _NEGATIVE:
            return 0
    return None


def norm_text(value: Any) -> str:
    """Case- and whitespace-insensitive form of a label or name (a trailing period is dropped)."""
    return re.sub(r"\s+", " ", str(value)).strip().rstrip(".").strip().casefold()


def as_label_set(value: Any) -> frozenset[str] | None:
    """A set of normalised labels (list/tuple/set, or a string split on ``; , ，；``)."""
    if value is None:
        return None
    if isinstance(value, str):
        parts = re.split(r"[;,，；]\s*", value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        parts = [", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v) for v in value]
    else:
        parts = [str(value)]
    out = frozenset(norm_text(p) for p in parts if norm_text(p))
    return out or None


def same_label(pred: Any, gold: Any) -> bool:
    """Equality of two parsed labels: binary labels by meaning, lists as sets, strings case-insensitively."""
    if pred is None or gold is None:
        return False
    pb, gb = as_binary(pred), as_binary(gold)
    if pb is not None and gb is not None:
        return pb == gb
    if isinstance(pred, (list, tuple, set)) or isinstance(gold, (list, tuple, set)):
        return as_label_set(pred) == as_label_set(gold)
    pf, gf = as_float(pred), as_float(gold)
    if pf is not None and gf is not None and not isinstance(pred, str):
        return pf == gf
    return norm_text(pred) == norm_text(gold)
