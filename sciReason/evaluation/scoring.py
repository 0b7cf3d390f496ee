"""From records (gold + raw model text) to scored items and metric results, for one task at a time.

A *record* is one line of a predictions file: ``id``, ``task``, the raw completion (``raw`` or
``prediction``), optionally ``candidates`` (all raw completions, best-ranked first), ``finish_reasons``,
``input``, and the gold (``output`` or ``gold``; a list gives alternatives). Raw text is parsed here with
the task's own rule (:func:`sciReason.parsing.parse_answer`: one reasoning splitter for every task), so
stored predictions can be re-scored after a parser or metric change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sciReason.evaluation.metrics.base import EvalItem, MetricResult, as_binary
from sciReason.evaluation.reference import agrees, gold_agrees, reference_reading
from sciReason.evaluation.registry import compute, get_metric
from sciReason.parsing import find_numbers, parse_answer
from sciReason.representations import canonical_smiles

# Output kinds whose parsed value is itself a list: a JSON list gold is the value, not alternatives,
# unless it is a list of lists.
_LIST_KINDS = frozenset({"numbers", "labels", "tuples", "entities"})


@dataclass
class ParsedRecord:
    """One record after parsing (what the per-item JSONL reports)."""

    id: str
    task: str
    item: EvalItem
    answer: str | None
    valid: bool
    reason: str | None
    truncated: bool
    truncated_in_reasoning: bool
    error: str | None
    gold_raw: Any
    reference: str = ""
    reference_value: Any = None


@dataclass
class TaskScore:
    task: str
    records: list[ParsedRecord]
    metrics: list[MetricResult] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.records)

    @property
    def n_parsed(self) -> int:
        return sum(1 for r in self.records if r.valid)


def raw_text(record: Mapping[str, Any]) -> str | None:
    for key in ("raw", "prediction", "completion", "text"):
        if isinstance(record.get(key), str):
            return record[key]
    return None


def gold_of(record: Mapping[str, Any]) -> Any:
    for key in ("gold", "output", "reference", "answer"):
        if key in record:
            return record[key]
    return None


def _gold_alternatives(spec: Any, gold: Any) -> list[Any]:
    if gold is None or (isinstance(gold, str) and not gold.strip()):
        return []
    if isinstance(gold, list):
        if spec.output_kind in _LIST_KINDS and not all(isinstance(g, list) for g in gold):
            return [gold]
        return list(gold)
    return [gold]


def _fallback_gold(spec: Any, text: str) -> Any:
    """Read an untagged gold string by the task's output kind (datasets store plain values too)."""
    kind = spec.output_kind
    t = text.strip()
    if kind == "smiles":
        return canonical_smiles(t.replace(";", "."))
    if kind == "number":
        nums = find_numbers(t)
        return nums[0] if nums else None
    if kind == "numbers":
        nums = find_numbers(t)
        return nums if len(nums) >= max(1, spec.n_values) else None
    if kind == "boolean":
        b = as_binary(t)
        return None if b is None else bool(b)
    if kind in ("text", "label", "iupac", "protein", "rna"):
        return t or None
    return None


def parse_gold(spec: Any, gold: Any) -> tuple[Any, ...]:
    """Parsed gold alternatives; an alternative that cannot be read is dropped (and an item left with
    none is reported as ``n_gold_unusable``, never scored against nothing)."""
    out: list[Any] = []
    for g in _gold_alternatives(spec, gold):
        if isinstance(g, bool) or isinstance(g, (int, float)):
            if isinstance(g, float) and not math.isfinite(g):
                continue
            out.append(g)
        elif isinstance(g, (list, dict)):
            out.append(g)
        elif isinstance(g, str):
            parsed = parse_answer(spec, g).parsed
            value = parsed.value if parsed.valid else _fallback_gold(spec, g)
            if value is not None:
                out.append(value)
    return tuple(out)


def parse_record(spec: Any, record: Mapping[str, Any], index: int) -> ParsedRecord:
    """Parse a record's candidates (top-1 is the FIRST candidate, never the best valid one)."""
    rid = str(record.get("id", index))
    cands = record.get("candidates")
    texts: list[str | None] = list(cands) if isinstance(cands, list) and cands else [raw_text(record)]
    finish = record.get("finish_reasons") or [record.get("finish_reason", "stop")] * len(texts)
    reasonings = record.get("reasonings") or [record.get("reasoning")] * len(texts)
    values: list[Any] = []
    first = None
    readings: list[str] = []  # per candidate: how the reference reads it, compared with sciReason
    ref_first: Any = None
    for i, text in enumerate(texts):
        ref = reference_reading(spec, text)
        if not isinstance(text, str):
            values.append(None)
            if ref is not None:
                readings.append("same")  # no text: neither side has an answer
            continue
        fr = finish[i] if i < len(finish) else "stop"
        rs = reasonings[i] if i < len(reasonings) else None
        pc = parse_answer(spec, text, rs, fr)
        value = pc.parsed.value if pc.parsed.valid else None
        values.append(value)
        if ref is not None:
            same = agrees(spec, value, ref)
            readings.append("model" if ref.status == "model" else "same" if same else "different")
        if i == 0:
            first = (pc, fr)
            ref_first = None if ref is None else ref.value
    error = record.get("error")
    if first is None:
        reason = f"no model output ({error})" if error else "no model output"
        answer, valid, truncated, trunc_reasoning = None, False, False, False
    else:
        pc, fr = first
        answer, valid, reason = pc.parsed.answer, pc.parsed.valid, pc.parsed.reason
        truncated, trunc_reasoning = fr == "length", pc.truncated_in_reasoning
    gold_raw = gold_of(record)
    gold = parse_gold(spec, gold_raw)
    reference = ""
    if readings:
        reference = "model" if "model" in readings else "different" if "different" in readings else "same"
        golds_alike = all(gold_agrees(spec, g, gold) for g in _gold_alternatives(spec, gold_raw))
        if reference == "same" and not golds_alike:
            reference = "different"
    item = EvalItem(
        id=rid,
        task=spec.id,
        value=values[0] if values else None,
        candidates=tuple(values) if len(values) > 1 else (),
        gold=gold,
        input=record.get("input"),
        reason=reason,
        reference=reference,
    )
    return ParsedRecord(
        rid,
        spec.id,
        item,
        answer,
        valid,
        reason,
        truncated,
        trunc_reasoning,
        str(error) if error else None,
        gold_raw,
        reference,
        ref_first,
    )


def score_task(
    spec: Any,
    records: Sequence[Mapping[str, Any]],
    metrics: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> TaskScore:
    """Parse and score every record of one task with each of its metrics (or the ones named)."""
    names = list(metrics) if metrics else list(spec.metrics)
    for name in names:
        get_metric(name)  # unknown names fail before any work
    parsed = [parse_record(spec, r, i) for i, r in enumerate(records)]
    items = [p.item for p in parsed]
    score = TaskScore(spec.id, parsed)
    for name in names:
        score.metrics.append(compute(name, items, spec, (params or {}).get(name)))
    return score
