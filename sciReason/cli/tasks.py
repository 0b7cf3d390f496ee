"""`sciReason tasks`: list, filter and show the task catalog."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from sciReason.cli._common import (
    MARKUP_MODE,
    FormatOpt,
    cli_errors,
    emit_rows,
    print_records,
    print_table,
    resolve_format,
)

tasks_app = typer.Typer(
    help="List and inspect the task catalog (149 SciReasoner tasks).",
    no_args_is_help=False,
    rich_markup_mode=MARKUP_MODE,
)


def _summary(spec: Any) -> dict[str, Any]:
    return {
        "id": spec.id,
        "family": spec.family,
        "domain": spec.domain,
        "metrics": list(spec.metrics),
        "input_kind": spec.input_kind,
        "output_kind": spec.output_kind,
        "answer_tags": list(spec.answer_tags),
        "decoding": spec.decoding.mode,
        "thinking": spec.thinking,
        "group": spec.group,
    }


@tasks_app.callback(invoke_without_command=True)
def list_cmd(
    ctx: typer.Context,
    family: Annotated[
        str | None, typer.Option("--family", "-f", help="translate, extract, predict, classify or generate")
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option("--domain", "-d", help="molecule, protein, dna, rna, rna+protein, material, text"),
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="substring of id, group or keywords")
    ] = None,
    fmt: FormatOpt = "auto",
) -> None:
    """List tasks, optionally filtered (JSONL, one task per line, when stdout is not a terminal)."""
    if ctx.invoked_subcommand is not None:
        return
    from sciReason.tasks import list_tasks

    with cli_errors():
        specs = list_tasks(family=family, domain=domain, search=search)
        kind = resolve_format(fmt)
    if kind != "table":
        emit_rows([_summary(s) for s in specs], kind)
        return
    rows = [
        {
            "id": s.id,
            "family": s.family,
            "domain": s.domain,
            "output": s.output_kind,
            "decoding": s.decoding.mode,
            "think": "yes" if s.thinking else "",
            "metrics": ", ".join(s.metrics),
        }
        for s in specs
    ]
    print_records(f"{len(specs)} tasks", "id", rows)


@tasks_app.command("show")
def show_cmd(
    task_id: Annotated[str, typer.Argument(help="task id, e.g. smol_name_conversion-s2i")],
    fmt: Annotated[
        str, typer.Option("--format", help="auto (text on a terminal, JSON when piped), text or json")
    ] = "auto",
) -> None:
    """Show one task spec in full."""
    from sciReason.tasks import get_task

    with cli_errors():
        spec = get_task(task_id)
        kind = resolve_format(fmt.replace("text", "table"), allowed=("table", "jsonl"))
    data = spec.to_dict()
    if kind != "table":
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table(title=spec.id, show_header=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in data.items():
        table.add_row(key, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)
    print_table(table)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
