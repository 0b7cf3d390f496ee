"""The evaluation summary: JSON (machine), Markdown (people), and a rich table for the console.

Every metric line carries ``n``, ``n_parsed``, ``coverage`` and ``comparable`` with the reason when it is
False, so a number is never shown without its denominator. The run records what produced it: model,
backend, decoding per task, and the versions of sciReason and of RDKit (fingerprints differ between
RDKit releases).
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from sciReason.evaluation.registry import METRICS
from sciReason.evaluation.scoring import TaskScore
from sciReason.tasks import get_task

TOKENIZER_NOTE = (
    "BLEU/METEOR tokenised by lower-case words and punctuation (SciBERT WordPiece cannot be downloaded); "
    "ROUGE uses the rouge_score tokenizer; METEOR has no WordNet synonyms"
)
FAILURE_POLICY = (
    "Unparsed or invalid answers stay in every denominator: they are misses for match/similarity metrics, "
    "forced-wrong labels for classification, the worst in-range guess for regression errors, and scale "
    "correlations by coverage. Items whose GOLD cannot be read are excluded and counted as n_gold_unusable."
)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def task_summary(ts: TaskScore, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    spec = get_task(ts.task)
    decoding = {**asdict(spec.decoding), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    metrics = []
    for m in ts.metrics:
        d = m.to_dict()
        d["higher_is_better"] = METRICS[m.metric].higher_is_better
        d["unit"] = METRICS[m.metric].unit
        metrics.append(d)
    return {
        "n": ts.n,
        "n_parsed": ts.n_parsed,
        "coverage": round(ts.n_parsed / ts.n, 6) if ts.n else 0.0,
        "n_truncated": sum(r.truncated for r in ts.records),
        "n_truncated_in_reasoning": sum(r.truncated_in_reasoning for r in ts.records),
        "n_errors": sum(1 for r in ts.records if r.error),
        "n_gold_unusable": sum(1 for r in ts.records if not r.item.gold and spec.family != "generate"),
        "family": spec.family,
        "decoding": decoding,
        "thinking": overrides.get("thinking")
        if overrides and overrides.get("thinking") is not None
        else spec.thinking,
        "metrics": metrics,
    }


def build_summary(
    scores: Sequence[TaskScore],
    cfg: Any,
    data_path: Any = None,
    predictions_path: Any = None,
    predictions: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    models = sorted({str(p["model"]) for p in predictions if p.get("model")})
    backend = cfg.backend if isinstance(cfg.backend, (str, type(None))) else type(cfg.backend).__name__
    return {
        "run": {
            "data": str(data_path) if data_path else None,
            "predictions": str(predictions_path) if predictions_path else None,
            "backend": backend,
            "models": models,
            "overrides": {k: v for k, v in cfg.overrides.items() if v is not None},
            "versions": {
                "scireason": _version("scireason"),
                "rdkit": _version("rdkit"),
                "biopython": _version("biopython"),
                "python": platform.python_version(),
            },
            "tokenizer_note": TOKENIZER_NOTE,
            "failure_policy": FAILURE_POLICY,
            "scale": "fractions in 0..1 (the reference prints most of them x100)",
        },
        "tasks": {ts.task: task_summary(ts, cfg.overrides) for ts in scores},
    }


def to_markdown(summary: Mapping[str, Any]) -> str:
    run = summary["run"]
    lines = [
        "# sciReason evaluation",
        "",
        f"- data: `{run['data']}`; predictions: `{run['predictions']}`",
        f"- backend: `{run['backend']}`; models: {', '.join(run['models']) or 'n/a'}",
        f"- versions: {', '.join(f'{k} {v}' for k, v in run['versions'].items())}",
        f"- {run['failure_policy']}",
        f"- {run['tokenizer_note']}",
        f"- scale: {run['scale']}",
        "",
        "| task | metric | value | n | n_parsed | coverage | comparable | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task, t in summary["tasks"].items():
        for m in t["metrics"]:
            arrow = "↑" if m["higher_is_better"] else "↓"
            why = m["reason"] or ("" if m["comparable"] else m["note"])
            lines.append(
                f"| {task} | {m['metric']} {arrow} | {_fmt(m['value'])} | {m['n']} | {m['n_parsed']} | "
                f"{m['coverage']:.3f} | {'yes' if m['comparable'] else 'no'} | {why.replace('|', '/')} |"
            )
    lines += [
        "",
        "| task | n | parsed | truncated | truncated in reasoning | errors | gold unusable |",
        "|---|---|---|---|---|---|---|",
    ]
    for task, t in summary["tasks"].items():
        lines.append(
            f"| {task} | {t['n']} | {t['n_parsed']} | {t['n_truncated']} | "
            f"{t['n_truncated_in_reasoning']} | {t['n_errors']} | {t['n_gold_unusable']} |"
        )
    return "\n".join(lines) + "\n"


def write_summary(summary: Mapping[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    (out_dir / "summary.md").write_text(to_markdown(summary), encoding="utf-8")


def console_table(summary: Mapping[str, Any]) -> Any:
    """A rich Table of every metric line (imported lazily: rich is only needed by the CLI).

    Lines that are not comparable to the reference point to a numbered note printed in the caption.
    """
    from rich.table import Table

    notes: dict[str, int] = {}
    rows = []
    for task, t in summary["tasks"].items():
        for m in t["metrics"]:
            comp = "yes"
            if not m["comparable"]:
                text = f"{m['metric']}: {m['reason'] or m['note']}"
                comp = f"no [{notes.setdefault(text, len(notes) + 1)}]"
            arrow = "↑" if m["higher_is_better"] else "↓"
            rows.append(
                (
                    task,
                    f"{m['metric']} {arrow}",
                    _fmt(m["value"]),
                    str(m["n"]),
                    str(m["n_parsed"]),
                    f"{m['coverage']:.3f}",
                    comp,
                )
            )
    caption = "\n".join(f"[{i}] {text}" for text, i in notes.items()) or None
    table = Table(title="sciReason eval", caption=caption, caption_justify="left")
    for col in ("task", "metric", "value", "n", "parsed", "coverage", "comparable"):
        table.add_column(
            col,
            justify="right" if col in ("value", "n", "parsed", "coverage") else "left",
            no_wrap=col in ("metric", "value"),
        )
    for row in rows:
        table.add_row(*row)
    return table
