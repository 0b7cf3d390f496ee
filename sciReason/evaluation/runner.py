"""Run a model on a task suite (batched, resumable) and score it, or score stored predictions.

Files in the output directory:

- ``predictions.jsonl``: one line per item as the model answered (raw completions of all candidates,
  finish reasons, usage, model); appended batch by batch, so an interrupted run resumes where it stopped;
- ``items.jsonl``: one line per item after scoring (parsed answer, validity, reason, per-metric scores);
- ``summary.json`` / ``summary.md``: every task's metrics with n, n_parsed, coverage and comparability.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sciReason.errors import InputError, ItemError
from sciReason.evaluation.scoring import TaskScore, gold_of, raw_text, score_task
from sciReason.tasks import get_task

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Objects of a JSONL file; a malformed line is an :class:`InputError` naming the file and line."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"file {str(p)!r} does not exist")
    rows = []
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{p}:{lineno} is not valid JSON ({exc.msg}); fix or remove that line") from None
        if not isinstance(obj, dict):
            raise InputError(f"{p}:{lineno} is not a JSON object")
        rows.append(obj)
    return rows


def _append_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    with path.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def normalise_records(
    rows: Sequence[Mapping[str, Any]], tasks: Sequence[str] | None, default_task: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Group rows by exact task id (ids keep their file order); rows get an ``id`` if they lack one.

    Raises:
        InputError: a row names no task, or an unknown task (the message names the row).
    """
    wanted = {get_task(t).id for t in tasks} if tasks else None
    grouped: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(rows):
        name = row.get("task") or default_task
        if not name:
            raise InputError(f"row {i + 1} has no 'task' field; add one or pass --tasks with a single task")
        spec = get_task(str(name))
        if wanted is not None and spec.id not in wanted:
            continue
        rec = dict(row)
        rec["task"] = spec.id
        rec["id"] = str(rec.get("id", f"{spec.id}:{i}"))
        if (spec.id, rec["id"]) in seen:
            raise InputError(
                f"duplicate id {rec['id']!r} for task {spec.id} (row {i + 1}); ids must be unique"
            )
        seen.add((spec.id, rec["id"]))
        grouped.setdefault(spec.id, []).append(rec)
    if wanted:
        missing = sorted(wanted - set(grouped))
        if missing:
            raise InputError(f"no rows for task(s) {missing} in the data; check the 'task' field of the rows")
    return grouped


def _prediction_row(rec: Mapping[str, Any], outcome: Any) -> dict[str, Any]:
    row = {"id": rec["id"], "task": rec["task"], "input": rec.get("input"), "gold": gold_of(rec)}
    if isinstance(outcome, ItemError):
        row.update(
            raw=None,
            candidates=[],
            error=f"{outcome.error_type}: {outcome.message}",
            error_type=outcome.error_type,
        )
        return row
    cands = outcome.candidates
    row.update(
        raw=cands[0].raw if cands else outcome.raw,
        candidates=[c.raw for c in cands],
        finish_reasons=[c.finish_reason for c in cands],
        reasonings=[c.reasoning for c in cands] if any(c.reasoning for c in cands) else None,
        usage=outcome.usage.model_dump(),
        model=outcome.model,
    )
    return row


def _model_input(spec: Any, value: Any) -> Any:
    """Unconditional tasks take no input: an empty string in the data means "none"."""
    if spec.input_kind == "none" and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    return value


@dataclass
class EvalConfig:
    """What one ``sciReason eval`` run does (the CLI's pydantic config is converted into this)."""

    out_dir: Path
    tasks: list[str] | None = None
    backend: Any = None
    backend_options: dict[str, Any] = field(default_factory=dict)
    batch_size: int = 16
    limit: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # max_tokens, temperature, n, thinking, seed
    metric_params: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=dict
    )  # task -> metric -> params


# Errors about the item itself: asking again gives the same answer, so such a row is final.
_INPUT_ERRORS = frozenset({"InputError", "InvalidSequenceError", "UnknownTaskError", "ConfigError"})


def _retry_on_resume(row: Mapping[str, Any]) -> bool:
    """A stored row that holds a backend error (timeout, connection, HTTP, missing model, ...) is asked
    again on resume; it is not the model's answer. Errors about the input itself stay final."""
    error = row.get("error")
    if not error:
        return False
    kind = row.get("error_type") or str(error).split(":", 1)[0].strip()
    return kind not in _INPUT_ERRORS


def _resume_state(path: Path) -> set[tuple[str, str]]:
    """Keys already answered in ``path``; rows to retry are removed from the file (atomically)."""
    if not path.is_file():
        return set()
    rows = read_jsonl(path)
    keep = [r for r in rows if not _retry_on_resume(r)]
    if len(keep) != len(rows):
        log.info("resume: %d stored backend errors will be retried", len(rows) - len(keep))
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("", encoding="utf-8")
        _append_jsonl(tmp, keep)
        os.replace(tmp, path)
    return {(r["task"], str(r["id"])) for r in keep}


def generate_predictions(
    grouped: Mapping[str, list[dict[str, Any]]],
    cfg: EvalConfig,
    progress: Progress | None = None,
    client: Any = None,
) -> Path:
    """Ask the model for every item not yet in ``predictions.jsonl`` (resume), batch by batch.

    Rows that hold a backend error are asked again on resume (see :func:`_retry_on_resume`)."""
    from sciReason.client import Client

    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.out_dir / "predictions.jsonl"
    done = _resume_state(path)
    own = client is None
    client = client or Client(cfg.backend, batch_size=cfg.batch_size, **cfg.backend_options)
    try:
        for task_id, recs in grouped.items():
            spec = get_task(task_id)
            todo = [r for r in recs if (task_id, r["id"]) not in done]
            total, finished = len(recs), len(recs) - len(todo)
            if progress:
                progress(task_id, finished, total)
            for start in range(0, len(todo), cfg.batch_size):
                batch = todo[start : start + cfg.batch_size]
                inputs = [_model_input(spec, r.get("input")) for r in batch]
                outcomes = client.run(spec, inputs, max_attempts=1, **cfg.overrides)
                _append_jsonl(path, (_prediction_row(r, o) for r, o in zip(batch, outcomes, strict=True)))
                finished += len(batch)
                if progress:
                    progress(task_id, finished, total)
    finally:
        if own:
            client.close()
    return path


_PRED_KEYS = (
    "raw",
    "prediction",
    "candidates",
    "finish_reasons",
    "finish_reason",
    "reasonings",
    "reasoning",
    "error",
    "error_type",
    "model",
    "usage",
)


def _merge(
    data: Mapping[str, list[dict[str, Any]]], preds: Sequence[Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Data rows (the item universe, with gold) joined with their predictions by exact (task, id).

    An item without a prediction is kept as a failure ("no prediction for this item"), never dropped.
    """
    by_key: dict[tuple[str, str], Mapping[str, Any]] = {}
    for p in preds:
        task = p.get("task")
        if task:
            by_key[(get_task(str(task)).id, str(p.get("id")))] = p
    merged: dict[str, list[dict[str, Any]]] = {}
    for task_id, rows in data.items():
        for row in rows:
            pred = by_key.get((task_id, row["id"]))
            rec = dict(row)
            if pred is None:
                rec["error"] = "no prediction for this item"
            else:
                rec.update({k: pred[k] for k in _PRED_KEYS if k in pred})
            merged.setdefault(task_id, []).append(rec)
    return merged


def score_predictions(
    predictions: Sequence[Mapping[str, Any]],
    cfg: EvalConfig,
    data: Mapping[str, list[dict[str, Any]]] | None = None,
) -> list[TaskScore]:
    """Score stored predictions: against ``data`` (joined by task and id) or the gold in each row."""
    grouped = (
        _merge(data, predictions)
        if data is not None
        else normalise_records([dict(p) for p in predictions], cfg.tasks)
    )
    scores = []
    for task_id, recs in grouped.items():
        for rec in recs:
            if raw_text(rec) is None and not rec.get("candidates") and not rec.get("error"):
                rec["error"] = "prediction row has no 'raw'/'prediction' text"
        scores.append(score_task(get_task(task_id), recs, params=cfg.metric_params.get(task_id)))
    return scores


def write_items(scores: Sequence[TaskScore], path: Path) -> None:
    path.write_text("", encoding="utf-8")
    rows = []
    for ts in scores:
        per_metric = {m.metric: m.per_item for m in ts.metrics if m.per_item is not None}
        for i, r in enumerate(ts.records):
            rows.append(
                {
                    "id": r.id,
                    "task": r.task,
                    "answer": r.answer,
                    "value": r.item.value,
                    "valid": r.valid,
                    "reason": r.reason,
                    "truncated": r.truncated,
                    "truncated_in_reasoning": r.truncated_in_reasoning,
                    "error": r.error,
                    "gold": r.gold_raw,
                    "gold_usable": bool(r.item.gold),
                    "read_like_reference": r.reference or None,
                    "reference_value": r.reference_value,
                    "scores": {k: v[i] for k, v in per_metric.items()},
                }
            )
    _append_jsonl(path, rows)


def run_eval(
    cfg: EvalConfig,
    data_path: str | Path | None = None,
    predictions_path: str | Path | None = None,
    progress: Progress | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """The whole ``sciReason eval``: load, (generate), score, write items + summary; returns the summary."""
    from sciReason.evaluation.report import build_summary, write_summary

    if data_path is None and predictions_path is None:
        raise InputError(
            "give --data FILE.jsonl (run the model) or --predictions FILE.jsonl (score them), or both"
        )
    data = None
    if data_path is not None:
        grouped = normalise_records(read_jsonl(data_path), cfg.tasks)
        if cfg.limit:
            grouped = {t: rows[: cfg.limit] for t, rows in grouped.items()}
        data = grouped
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    if predictions_path is None:
        assert data is not None
        predictions_path = generate_predictions(data, cfg, progress=progress, client=client)
    preds = read_jsonl(predictions_path)
    scores = score_predictions(preds, cfg, data)
    write_items(scores, cfg.out_dir / "items.jsonl")
    summary = build_summary(
        scores, cfg, data_path=data_path, predictions_path=predictions_path, predictions=preds
    )
    write_summary(summary, cfg.out_dir)
    return summary
