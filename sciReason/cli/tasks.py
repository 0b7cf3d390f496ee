"""`sciReason tasks`: list, filter and show the task catalog."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from sciReason.cli._common import cli_errors

tasks_app = typer.Typer(
    help="List and inspect the task catalog (149 SciReasoner tasks).", no_args_is_help=False
)


def _summary(spec) -> dict:  # noqa: ANN001
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
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """List tasks, optionally filtered."""
    if ctx.invoked_subcommand is not None:
        return
    from sciReason.tasks import list_tasks

    with cli_errors():
        specs = list_tasks(family=family, domain=domain, search=search)
    if fmt == "json":
        typer.echo(json.dumps([_summary(s) for s in specs], indent=1))
        return
    if fmt != "table":
        raise typer.BadParameter(f"--format must be table or json, got {fmt!r}")
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(specs)} tasks")
    for col in ("id", "family", "domain", "output", "decoding", "think", "metrics"):
        table.add_column(col, overflow="fold")
    for s in specs:
        table.add_row(
            s.id,
            s.family,
            s.domain,
            s.output_kind,
            s.decoding.mode,
            "yes" if s.thinking else "",
            ", ".join(s.metrics),
        )
    Console().print(table)


@tasks_app.command("show")
def show_cmd(
    task_id: Annotated[str, typer.Argument(help="task id, e.g. smol_name_conversion-s2i")],
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Show one task spec in full."""
    from sciReason.tasks import get_task

    with cli_errors():
        spec = get_task(task_id)
    data = spec.to_dict()
    if fmt == "json":
        typer.echo(json.dumps(data, indent=1, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=spec.id, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in data.items():
        table.add_row(key, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
