"""`sciReason eval`: run a model on a task suite from a JSONL file, or score stored predictions.

sciReason eval --data tests/data/eval/freesolv.jsonl --backend http://127.0.0.1:8000/v1 --out runs/e1
sciReason eval --predictions runs/e1/predictions.jsonl --data tests/data/eval/freesolv.jsonl --out runs/e2
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ConfigDict, Field

from sciReason.cli._common import (
    FormatOpt,
    cli_errors,
    emit_rows,
    resolve_config,
    resolve_format,
    stderr_console,
)


class EvalSettings(BaseModel):
    """Settings of one evaluation run (``[eval]`` table of a TOML config file, overridden by flags)."""

    model_config = ConfigDict(extra="forbid")

    out: Path = Field(description="output directory (predictions.jsonl, items.jsonl, summary.json/.md)")
    data: Path | None = Field(None, description="data JSONL: {task, input, output} per line")
    predictions: Path | None = Field(
        None, description="predictions JSONL to score instead of running a model"
    )
    tasks: list[str] | None = Field(
        None, description="task ids to evaluate (default: every task in the data)"
    )
    backend: str | None = Field(
        None, description="tiny, scripted, a server URL, local:PATH or a model directory"
    )
    batch_size: int = Field(16, ge=1, description="items per model call")
    limit: int | None = Field(None, ge=1, description="evaluate only the first N items of each task")
    max_tokens: int | None = Field(
        None, ge=1, description="generation budget per completion (default: per task)"
    )
    temperature: float | None = Field(None, ge=0, description="sampling temperature (default: per task)")
    n: int | None = Field(None, ge=1, description="completions per item (default: per task, e.g. 5 beams)")
    seed: int | None = Field(None, description="sampling seed")
    thinking: bool | None = Field(None, description="force reasoning on/off (default: per task)")
    metric_params: dict[str, dict[str, dict[str, Any]]] = Field(
        default_factory=dict, description="task id -> metric -> parameters (e.g. novelty_reference)"
    )


def eval_cmd(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="output directory")] = None,
    data: Annotated[
        Path | None, typer.Option("--data", "-d", help="data JSONL ({task, input, output})")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option("--predictions", "-p", help="score this predictions JSONL (no model run)")
    ] = None,
    tasks: Annotated[str | None, typer.Option("--tasks", "-t", help="comma-separated task ids")] = None,
    backend: Annotated[
        str | None, typer.Option("--backend", "-b", help="tiny | URL | local:PATH | model dir")
    ] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="items per model call")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="first N items of each task")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", help="generation budget")] = None,
    temperature: Annotated[float | None, typer.Option("--temperature", help="sampling temperature")] = None,
    n: Annotated[int | None, typer.Option("--n", help="completions per item")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="sampling seed")] = None,
    thinking: Annotated[
        bool | None, typer.Option("--thinking/--no-thinking", help="force reasoning on/off")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="TOML file with an [eval] table")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the whole summary JSON instead of the metric rows")
    ] = False,
    fmt: FormatOpt = "auto",
) -> None:
    """Evaluate a model on tasks from a JSONL file (or score stored predictions) and write a report.

    Unparsed answers count as failures; every metric shows n, n_parsed, coverage and whether it is
    comparable to the SciReasoner reference evaluation.
    """
    from sciReason.evaluation.runner import EvalConfig

    with cli_errors():
        flags = {
            "out": out,
            "data": data,
            "predictions": predictions,
            "backend": backend,
            "batch_size": batch_size,
            "limit": limit,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "n": n,
            "seed": seed,
            "thinking": thinking,
            "tasks": [t.strip() for t in tasks.split(",") if t.strip()] if tasks else None,
        }
        kind = resolve_format(fmt)
        settings = resolve_config(EvalSettings, config, flags, section="eval")
        overrides = {k: getattr(settings, k) for k in ("max_tokens", "temperature", "n", "seed", "thinking")}
        cfg = EvalConfig(
            out_dir=settings.out,
            tasks=settings.tasks,
            backend=settings.backend,
            batch_size=settings.batch_size,
            limit=settings.limit,
            overrides={k: v for k, v in overrides.items() if v is not None},
            metric_params=settings.metric_params,
        )
        summary = _run(cfg, settings, quiet=as_json)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    if kind != "table":
        emit_rows(_metric_rows(summary), kind)
        stderr_console().print(f"wrote {cfg.out_dir / 'summary.md'}, summary.json, items.jsonl")
        return
    from rich.console import Console

    console = Console()
    _print_summary(console, summary)
    console.print(f"[dim]{summary['run']['failure_policy']}[/dim]")
    console.print(f"[dim]{summary['run']['tokenizer_note']}[/dim]")
    stderr_console().print(f"wrote {cfg.out_dir / 'summary.md'}, summary.json, items.jsonl")


def _metric_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (task, metric) of the summary, for JSONL/CSV output."""
    return [{"task": task, **m} for task, t in summary["tasks"].items() for m in t["metrics"]]


def _print_summary(console: Any, summary: dict[str, Any]) -> None:
    """The metric table when it fits the terminal; otherwise one record per metric, so that no task id,
    metric name or number is ever cut or folded."""
    from rich.padding import Padding
    from rich.text import Text

    from sciReason.evaluation.report import console_table

    table = console_table(summary)
    for column in table.columns:
        column.no_wrap = True
    natural = console.measure(table, options=console.options.update_width(100_000)).maximum
    if natural <= console.width:
        console.print(table)
        return
    console.print(Text("sciReason eval", style="bold"))
    for task, t in summary["tasks"].items():
        console.print(Text(task, style="bold cyan"))
        for m in t["metrics"]:
            value = m["value"]
            shown = "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
            arrow = "↑" if m["higher_is_better"] else "↓"
            comparable = "yes" if m["comparable"] else f"no ({m['reason'] or m['note']})"
            line = (
                f"{m['metric']} {arrow} {shown}  n={m['n']} parsed={m['n_parsed']} "
                f"coverage={m['coverage']:.3f} comparable={comparable}"
            )
            console.print(Padding(Text(line), (0, 0, 0, 4)))


def _run(cfg: Any, settings: EvalSettings, quiet: bool) -> dict[str, Any]:
    from sciReason.evaluation.runner import run_eval

    if quiet or settings.predictions is not None:
        return run_eval(cfg, data_path=settings.data, predictions_path=settings.predictions)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
        console=stderr_console(),
    ) as bar:
        ids: dict[str, Any] = {}

        def progress(task: str, done: int, total: int) -> None:
            if task not in ids:
                ids[task] = bar.add_task(task, total=total)
            bar.update(ids[task], completed=done)

        return run_eval(cfg, data_path=settings.data, predictions_path=None, progress=progress)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_cmd)
