"""`sciReason translate|extract|predict|classify|generate`: the task functions on the command line.

Inputs come from arguments or a file (``--input``: JSONL with an ``input`` field or plain strings, CSV with
an ``input`` column or the first column, or one item per line). Results go to ``--out FILE.jsonl`` (one
object per line, errors included as ``{"error": ...}`` lines) or to the terminal.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sciReason.cli._common import cli_errors
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
FmtOpt = Annotated[str, typer.Option("--format", help="table or jsonl (terminal output)")]


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
    max_attempts: int,
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
    """Run a batch with a progress bar and write the results."""
    from rich.progress import Progress

    from sciReason.client import Client

    opts = pick.pop("opts")
    client = Client(backend)
    method = getattr(client, family)
    chunk = 16
    results: list[Any] = []
    with Progress(transient=True, disable=len(items) <= chunk, console=_stderr()) as progress:
        bar = progress.add_task(family, total=len(items))
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            if family == "generate":
                results.extend(method(pick["kind"], condition=part, task=pick.get("task"), **opts))
            else:
                results.extend(method(part, **pick, **opts))
            progress.advance(bar, len(part))
    client.close()
    rows = [r.to_dict() for r in results]
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        n_err = sum(isinstance(r, ItemError) for r in results)
        n_valid = sum(bool(getattr(r, "valid", False)) for r in results)
        typer.echo(f"wrote {len(rows)} results to {out} ({n_valid} valid, {n_err} input errors)", err=True)
        return
    _print(rows, fmt)


def _stderr():  # noqa: ANN202
    from rich.console import Console

    return Console(stderr=True)


def _print(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "jsonl":
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in ("input", "value", "valid", "reason / error"):
        table.add_column(col, overflow="fold")
    for row in rows:
        if "error" in row:
            table.add_row(str(row["input"]), "", "no", f"[red]{row['error']['message']}")
            continue
        value = row["value"]
        if row.get("candidates") and len(row["candidates"]) > 1:
            value = [c["value"] for c in row["candidates"] if c["valid"]]
        unit = f" {row['unit']}" if row.get("unit") else ""
        table.add_row(
            str(row["input"]), f"{value}{unit}", "yes" if row["valid"] else "no", row.get("reason") or ""
        )
    Console().print(table)


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
        fmt: FmtOpt = "table",
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
            fmt: FmtOpt = "table",
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
        n: Annotated[int, typer.Option("-n", help="number of samples")] = 10,
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
        max_attempts: AttemptsOpt = 1,
        fmt: FmtOpt = "table",
    ) -> None:
        """Generate candidates: `sciReason generate molecule -n 200 --out mols.jsonl`."""
        with cli_errors():
            conditions: list[Any] = list(condition) if condition else [None]
            opts = _options(n, max_tokens, temperature, seed, thinking, max_attempts)
            _execute("generate", conditions, backend, out, fmt, kind=kind, task=task, opts=opts)


__all__ = ["read_inputs", "register"]
