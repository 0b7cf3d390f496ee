"""Shared CLI plumbing: error handling at the edge, output conventions and exit codes.

Conventions every command follows (README, "Command line"):

* **stdout carries the results.** On a terminal they are a rich table; when stdout is a pipe or a file
  (``--format auto``, the default) they are JSONL, one object per line, so no table ever wraps a row into
  a script. Progress bars, logs and "wrote N rows" notes go to stderr.
* **Exit codes** (:data:`EXIT_CODES`): 0 every item got a result; 1 the command failed, or every item of a
  batch failed; 2 usage error (bad flag); 3 partial failure (some items failed or a generation fell short;
  the rows that worked are written, the failed ones carry their error); 130 interrupted.
* **Tables never cut ids**: id columns keep their full width and other columns wrap.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Annotated, Any

import typer

from sciReason.configfile import load_toml, resolve_config
from sciReason.errors import InputError, SciReasonError

__all__ = [
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "MARKUP_MODE",
    "FormatOpt",
    "batch_exit_code",
    "cli_errors",
    "emit_rows",
    "id_column",
    "load_toml",
    "print_records",
    "print_result_line",
    "print_table",
    "resolve_config",
    "resolve_format",
    "stderr_console",
    "write_csv",
    "write_jsonl",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "every item got a result",
    EXIT_FAILED: "the command failed, or every item of the batch failed",
    EXIT_USAGE: "usage error (unknown flag, bad value)",
    EXIT_PARTIAL: "partial failure: some items failed or a generation fell short; the rest are written",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}

FormatOpt = Annotated[
    str,
    typer.Option("--format", help="auto (table on a terminal, JSONL when piped), table, jsonl or csv"),
]
#: Typer apps print help as plain text: square brackets such as "[design]" are not rich markup, and boolean
#: switches show no value placeholder (typer's rich help prints "<bool>" for them).
MARKUP_MODE = None


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Turn sciReason errors into a one-line message on stderr and exit code 1 (no traceback)."""
    try:
        yield
    except SciReasonError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=EXIT_FAILED) from None


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def resolve_format(fmt: str, allowed: Sequence[str] = ("table", "jsonl", "csv")) -> str:
    """The concrete format of ``--format``: ``auto`` is a table on a terminal and JSONL otherwise."""
    value = (fmt or "auto").strip().lower()
    if value == "json":  # older spelling of the machine-readable format
        value = "jsonl"
    if value == "auto":
        return "table" if stdout_is_terminal() and "table" in allowed else "jsonl"
    if value not in allowed:
        raise InputError(f"--format must be auto or one of {', '.join(allowed)}, got {fmt!r}")
    return value


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value)


def write_jsonl(rows: Iterable[Mapping[str, Any]], stream: IO[str]) -> None:
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False, default=_jsonable) + "\n")


def write_csv(rows: Sequence[Mapping[str, Any]], stream: IO[str]) -> None:
    """CSV with the union of the rows' keys as header (first-seen order); nested values as JSON."""
    fields: dict[str, None] = {}
    for row in rows:
        fields.update(dict.fromkeys(row))
    writer = csv.DictWriter(stream, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: "" if v is None else json.dumps(v) if isinstance(v, (list, dict)) else v
                for k, v in row.items()
            }
        )


def emit_rows(rows: Sequence[Mapping[str, Any]], fmt: str, stream: IO[str] | None = None) -> None:
    """Machine-readable rows on stdout (``fmt`` is ``jsonl`` or ``csv``)."""
    out = stream if stream is not None else sys.stdout
    if fmt == "csv":
        write_csv(rows, out)
    else:
        write_jsonl(rows, out)
    out.flush()


def print_result_line(text: str) -> None:
    """A command's final one-line result (e.g. design's "done ... outputs in DIR") on stdout, as plain text:
    the one line a script captures, while progress and logs went to stderr."""
    typer.echo(text)


def print_table(table: Any) -> None:
    """A rich table on stdout (only used when ``--format`` resolved to ``table``)."""
    from rich.console import Console

    Console().print(table)


def print_records(title: str, id_header: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows keyed by an id, on stdout: a table when it fits the terminal's width, else one record per id
    (the id on its own line, the other fields indented below), so that neither ids nor words are cut."""
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = Console()
    headers = [h for h in (rows[0] if rows else {}) if h != id_header]
    table = Table(title=title)
    id_column(table, id_header, (str(r[id_header]) for r in rows))
    for h in headers:
        table.add_column(h, overflow="fold")
    for r in rows:  # Text(): values are data, not rich markup
        table.add_row(Text(str(r[id_header])), *(Text(str(r[h])) for h in headers))
    natural = console.measure(table, options=console.options.update_width(100_000)).maximum
    if natural <= console.width:
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for r in rows:
        console.print(Text(str(r[id_header]), style="bold cyan"))
        details = "  ".join(f"{h}: {r[h]}" for h in headers if str(r[h]))
        console.print(Padding(Text(details), (0, 0, 0, 4)))


def stderr_console() -> Any:
    """The console for progress, notes and logs."""
    from rich.console import Console

    return Console(stderr=True)


def id_column(table: Any, header: str, ids: Iterable[str], **kw: Any) -> None:
    """Add a column of ids that is never cut or wrapped: its minimum width is the longest id; the other
    columns of the table wrap instead."""
    width = max([len(header), *(len(str(i)) for i in ids)])
    table.add_column(header, no_wrap=True, min_width=width, overflow="fold", **kw)


def batch_exit_code(n_items: int, n_failed: int, n_short: int = 0) -> int:
    """Exit code of a batch: 1 if every item failed, 3 if some failed or fell short, else 0."""
    if n_items and n_failed == n_items:
        return EXIT_FAILED
    if n_failed or n_short:
        return EXIT_PARTIAL
    return EXIT_OK
