"""`sciReason oracles list|score`: discover oracles and score candidates against a target string."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sciReason.cli._common import (
    MARKUP_MODE,
    FormatOpt,
    batch_exit_code,
    cli_errors,
    emit_rows,
    print_records,
    print_table,
    resolve_format,
    write_csv,
    write_jsonl,
)
from sciReason.errors import InputError
from sciReason.representations import parse_candidates

oracles_app = typer.Typer(
    help="List oracles and score candidates against a design target.",
    no_args_is_help=True,
    rich_markup_mode=MARKUP_MODE,
)


def read_candidates(path: Path) -> list[str]:
    """Candidates from a file: FASTA, CSV/TSV with a smiles/sequence column, or one per line (first column).

    ``-`` reads standard input. Blank lines and ``#`` comments are skipped.
    """
    if str(path) == "-":
        text = sys.stdin.read()
    else:
        p = Path(path).expanduser()
        if not p.is_file():
            raise InputError(f"candidate file {str(p)!r} does not exist")
        text = p.read_text()
    out = parse_candidates(text, str(path))
    if not out:
        raise InputError(f"candidate file {str(path)!r} has no candidates")
    return out


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}"


@oracles_app.command("list")
def list_cmd(
    domain: Annotated[str | None, typer.Option("--domain", "-d", help="molecule or protein")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="same as --format jsonl")] = False,
    fmt: FormatOpt = "auto",
) -> None:
    """List every oracle term and objective prefix (unavailable optional ones with the reason)."""
    from sciReason.oracles import list_oracles

    with cli_errors():
        infos = list_oracles(domain=domain)
        kind = resolve_format("jsonl" if as_json else fmt)
    if kind != "table":
        emit_rows([dict(i.__dict__) for i in infos], kind)
        return
    rows = [
        {
            "name": i.name,
            "kind": i.kind,
            "domain": i.domain,
            "usage": i.signature,
            "description": i.description if i.available else f"unavailable: {i.reason}",
        }
        for i in infos
    ]
    print_records(f"{len(infos)} oracles and prefixes", "name", rows)


@oracles_app.command("score")
def score_cmd(
    file: Annotated[
        Path | None,
        typer.Argument(help="candidates: one per line, or CSV with a smiles/sequence column; '-' = stdin"),
    ] = None,
    target: Annotated[
        str, typer.Option("--target", "-t", help='e.g. "qed>0.8, sa<3" or pmo:celecoxib_rediscovery')
    ] = "",
    smiles: Annotated[
        list[str] | None, typer.Option("--smiles", "-s", help="a candidate given inline (repeatable)")
    ] = None,
    pareto: Annotated[
        bool, typer.Option("--pareto", help="treat the terms as a multi-objective (Pareto) target")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="same as --format jsonl")] = False,
    fmt: FormatOpt = "auto",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write CSV (or .jsonl) here")] = None,
) -> None:
    """Score candidates against a target: per candidate the value and every term's raw value."""
    with cli_errors():
        if not target.strip():
            raise InputError('give a target with --target, e.g. --target "qed>0.8, sa<3"')
        from sciReason.oracles import parse_target

        kind = resolve_format("jsonl" if as_json else fmt)
        objective = parse_target(target, pareto=pareto)
        cands = list(smiles or [])
        if file is not None:
            cands += read_candidates(file)
        if not cands:
            raise InputError("no candidates: pass a FILE, '-' for stdin, or --smiles")
        scored = objective.score(cands)
    rows: list[dict[str, Any]] = []
    for cand, s in zip(cands, scored, strict=True):
        row: dict[str, Any] = {"candidate": cand, "value": s.value}
        row.update({f"d:{n}": d for n, d in zip(objective.term_names, s.desirabilities, strict=False)})
        row.update(dict(s.terms))
        row["margin"] = s.margin
        rows.append(row)
    if output is not None:
        with open(output, "w", newline="") as fh:
            (write_jsonl if str(output).endswith(".jsonl") else write_csv)(rows, fh)
        typer.secho(f"wrote {len(rows)} rows to {output}", err=True)
        if fmt == "auto" and not as_json:
            _exit_for(rows)
            return
    if kind != "table":
        emit_rows(rows, kind)
        _exit_for(rows)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{objective.name}  ({len(rows)} candidates)")
    table.add_column("candidate", overflow="fold")
    table.add_column("value")
    for n in objective.term_names:
        table.add_column(n, overflow="fold")
    for cand, s in zip(cands, scored, strict=True):
        cells = [_fmt(s.terms.get(n)) for n in objective.term_names]
        value = Text(_fmt(s.value)) if s.value is not None else Text("n/a", style="red")
        table.add_row(Text(cand), value, *cells)
    print_table(table)
    _exit_for(rows)


def _exit_for(rows: list[dict[str, Any]]) -> None:
    """Exit 1 when no candidate could be scored, 3 when some could not (their rows have value null)."""
    failed = sum(r["value"] is None for r in rows)
    code = batch_exit_code(len(rows), failed)
    if code:
        typer.echo(f"{failed} of {len(rows)} candidate(s) could not be scored (exit code {code})", err=True)
        raise typer.Exit(code=code)


def register(app: typer.Typer) -> None:
    app.add_typer(oracles_app, name="oracles")
