"""`sciReason translate|extract|predict|classify|generate`: the task functions on the command line.

Inputs come from arguments or a file (``--input``: JSONL with an ``input`` field or plain strings, CSV with
an ``input`` column or the first column, or one item per line). Results go to ``--out FILE.jsonl`` (one
object per line, errors included as ``{"error": ...}`` lines) or to stdout: a table on a terminal, JSONL
(or ``--format csv``) when piped. ``generate`` writes one row per generated value. Exit codes: see
:mod:`sciReason.cli._common`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sciReason.cli._common import (
    FormatOpt,
    batch_exit_code,
    cli_errors,
    emit_rows,
    print_table,
    resolve_format,
    stderr_console,
    write_jsonl,
)
from sciReason.errors import InputError, ItemError

BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend",
        "-b",
        help="server URL, model directory, 'tiny' or 'local:ID' (default: $SCIREASON_BACKEND or the embedded tiny model)",
    ),
]
InputOpt = Annotated[
    Path | None, typer.Option("--input", "-i", help="file of inputs: .jsonl, .csv, or one per line")
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="write results as JSONL here")]
TaskOpt = Annotated[str | None, typer.Option("--task", "-t", help="task id (see `sciReason tasks`)")]
NOpt = Annotated[int | None, typer.Option("-n", help="completions per input")]
MaxTokOpt = Annotated[int | None, typer.Option("--max-tokens", help="generation budget per completion")]
TempOpt = Annotated[float | None, typer.Option("--temperature", help="sampling temperature (0 = greedy)")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="sampling seed")]
ThinkOpt = Annotated[
    bool | None, typer.Option("--thinking/--no-thinking", help="force reasoning on/off (default: the task's)")
]
AttemptsOpt = Annotated[
    int, typer.Option("--max-attempts", help="resample invalid answers up to this many requests")
]
FmtOpt = FormatOpt


def read_inputs(path: Path) -> list[Any]:
    """Inputs from a JSONL, CSV or line-per-item file."""
    if not path.is_file():
        raise InputError(f"input file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        items: list[Any] = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{path}:{lineno} is not valid JSON ({exc.msg}); each line must be a JSON object or string"
                ) from None
            if isinstance(obj, dict):
                if "input" not in obj:
                    raise InputError(f"{path}:{lineno} has no 'input' field: {line[:80]}")
                value = obj["input"]
                items.append(tuple(value) if isinstance(value, list) else value)
            else:
                items.append(obj)
        return items
    if path.suffix == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if not rows:
            return []
        column = "input" if "input" in rows[0] else next(iter(rows[0]))
        return [row[column] for row in rows]
    return [
        line.strip().split()[0] if path.suffix == ".smi" else line.strip()
        for line in text.splitlines()
        if line.strip()
    ]


def _gather(args: list[str] | None, input_file: Path | None) -> list[Any]:
    items: list[Any] = list(args or [])
    if input_file is not None:
        items.extend(read_inputs(input_file))
    if not items:
        raise InputError("no inputs: pass them as arguments or with --input FILE")
    return items


def _options(
    n: int | None,
    max_tokens: int | None,
    temperature: float | None,
    seed: int | None,
    thinking: bool | None,
    max_attempts: int | None,
) -> dict[str, Any]:
    kw = {
        "n": n,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "seed": seed,
        "thinking": thinking,
        "max_attempts": max_attempts,
    }
    return {k: v for k, v in kw.items() if v is not None}


def _execute(
    family: str, items: list[Any], backend: str | None, out: Path | None, fmt: str, **pick: Any
) -> None:
    """Run a batch with a progress bar (stderr), write the results and exit with the batch's code."""
    from rich.progress import Progress

    from sciReason.client import Client

    opts = pick.pop("opts")
    kind = resolve_format(fmt)  # a bad --format fails before any model is loaded
    client = Client(backend)
    method = getattr(client, family)
    chunk = 16
    results: list[Any] = []
    with Progress(transient=True, disable=len(items) <= chunk, console=stderr_console()) as progress:
        bar = progress.add_task(family, total=len(items))
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            if family == "generate":
                results.extend(method(pick["kind"], condition=part, task=pick.get("task"), **opts))
            else:
                results.extend(method(part, **pick, **opts))
            progress.advance(bar, len(part))
    client.close()
    if family == "generate":
        rows, failed, short = _generated_rows(results)
    else:
        rows = [r.to_dict() for r in results]
        failed, short = sum(isinstance(r, ItemError) for r in results), 0
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            write_jsonl(rows, fh)
        n_valid = sum(bool(r.get("valid")) for r in rows)
        typer.echo(f"wrote {len(rows)} rows to {out} ({n_valid} valid, {failed} failed)", err=True)
    elif kind == "table":
        _print(rows)
    else:
        emit_rows(rows, kind)
    code = batch_exit_code(len(results), failed, short)
    if code:
        fell_short = f", {short} fell short of -n" if short else ""
        typer.echo(f"{failed} of {len(results)} item(s) failed{fell_short} (exit code {code})", err=True)
        raise typer.Exit(code=code)


def _generated_rows(results: list[Any]) -> tuple[list[dict[str, Any]], int, int]:
    """One row per generated value (not one row per request), the failed items and the short ones."""
    rows: list[dict[str, Any]] = []
    failed = short = 0
    for res in results:
        if isinstance(res, ItemError):
            rows.append(res.to_dict())
            failed += 1
            continue
        values = res.values
        for k, value in enumerate(values):
            rows.append({"task": res.task, "condition": res.input, "index": k, "value": value, "valid": True})
        if not values:
            failed += 1
        elif res.shortfall:
            short += 1
        if res.shortfall:
            where = f" for condition {res.input!r}" if res.input is not None else ""
            typer.echo(f"generate{where}: {res.reason}", err=True)
    return rows, failed, short


def _print(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table()
    for col in ("input", "value", "valid", "reason / error"):
        table.add_column(col, overflow="fold")
    for row in rows:  # Text(): SMILES such as [nH] are data, not rich markup
        if "error" in row:
            table.add_row(Text(str(row["input"])), "", "no", Text(row["error"]["message"], style="red"))
            continue
        if "condition" in row:  # a generated value
            table.add_row(Text(str(row["condition"] or "")), Text(str(row["value"])), "yes", "")
            continue
        unit = f" {row['unit']}" if row.get("unit") else ""
        table.add_row(
            Text(str(row["input"])),
            Text(f"{row['value']}{unit}"),
            "yes" if row["valid"] else "no",
            Text(row.get("reason") or ""),
        )
    print_table(table)


def register(app: typer.Typer) -> None:
    @app.command("translate")
    def translate_cmd(
        inputs: Annotated[list[str] | None, typer.Argument(help="inputs, e.g. CCO")] = None,
        to: Annotated[
            str | None,
            typer.Option("--to", help="target representation: iupac, smiles, formula, description, ..."),
        ] = None,
        source: Annotated[str, typer.Option("--from", help="source representation")] = "smiles",
        task: TaskOpt = None,
        input_file: InputOpt = None,
        out: OutOpt = None,
        backend: BackendOpt = None,
        n: NOpt = None,
        max_tokens: MaxTokOpt = None,
        temperature: TempOpt = None,
        seed: SeedOpt = None,
        thinking: ThinkOpt = None,
        max_attempts: AttemptsOpt = 1,
        fmt: FmtOpt = "auto",
    ) -> None:
        """Translate between representations: `sciReason translate CCO --to iupac`."""
        with cli_errors():
            if task is None and to is None:
                raise InputError("give --to (e.g. --to iupac) or --task ID")
            items = _gather(inputs, input_file)
            _execute(
                "translate",
                items,
                backend,
                out,
                fmt,
                source=source if task is None else None,
                target=to,
                task=task,
                opts=_options(n, max_tokens, temperature, seed, thinking, max_attempts),
            )

    def _property_cmd(family: str):  # noqa: ANN202
        def cmd(
            inputs: Annotated[
                list[str] | None, typer.Argument(help="inputs (SMILES, sequences, text)")
            ] = None,
            prop: Annotated[
                str | None,
                typer.Option("--property", "-p", help="property keyword, e.g. esol, bbbp, band_gap"),
            ] = None,
            task: TaskOpt = None,
            input_file: InputOpt = None,
            out: OutOpt = None,
            backend: BackendOpt = None,
            n: NOpt = None,
            max_tokens: MaxTokOpt = None,
            temperature: TempOpt = None,
            seed: SeedOpt = None,
            thinking: ThinkOpt = None,
            max_attempts: AttemptsOpt = 1,
            fmt: FmtOpt = "auto",
        ) -> None:
            with cli_errors():
                items = _gather(inputs, input_file)
                _execute(
                    family,
                    items,
                    backend,
                    out,
                    fmt,
                    property=prop,
                    task=task,
                    opts=_options(n, max_tokens, temperature, seed, thinking, max_attempts),
                )

        cmd.__doc__ = {
            "predict": "Predict a number: `sciReason predict CCO --property esol`.",
            "classify": "Classify: `sciReason classify CCO --property bbbp`.",
            "extract": "Extract entities/relations/answers from text: `sciReason extract TEXT --task ID`.",
        }[family]
        return cmd

    for family in ("predict", "classify", "extract"):
        app.command(family)(_property_cmd(family))

    @app.command("generate")
    def generate_cmd(
        kind: Annotated[str, typer.Argument(help="molecule, protein, rna or material")] = "molecule",
        n: Annotated[
            int,
            typer.Option("-n", help="distinct valid values per condition (resampled up to --max-attempts)"),
        ] = 10,
        condition: Annotated[
            list[str] | None,
            typer.Option("--condition", "-c", help="a description to condition on (repeatable)"),
        ] = None,
        task: TaskOpt = None,
        out: OutOpt = None,
        backend: BackendOpt = None,
        max_tokens: MaxTokOpt = None,
        temperature: TempOpt = None,
        seed: SeedOpt = None,
        thinking: ThinkOpt = None,
        max_attempts: Annotated[
            int | None,
            typer.Option(
                "--max-attempts", help="requests per condition to reach -n distinct valid values (default 5)"
            ),
        ] = None,
        fmt: FmtOpt = "auto",
    ) -> None:
        """Generate candidates, one per output row: `sciReason generate molecule -n 200 --out mols.jsonl`."""
        with cli_errors():
            conditions: list[Any] = list(condition) if condition else [None]
            opts = _options(n, max_tokens, temperature, seed, thinking, max_attempts)
            _execute("generate", conditions, backend, out, fmt, kind=kind, task=task, opts=opts)


__all__ = ["read_inputs", "register"]
