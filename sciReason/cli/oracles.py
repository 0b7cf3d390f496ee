"""`sciReason oracles list|score`: discover oracles and score candidates against a target string."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sciReason.cli._common import cli_errors
from sciReason.errors import InputError
from sciReason.representations import parse_candidates

oracles_app = typer.Typer(
    help="List oracles and score candidates against a design target.", no_args_is_help=True
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
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List every oracle term and objective prefix (unavailable optional ones with the reason)."""
    from sciReason.oracles import list_oracles

    with cli_errors():
        infos = list_oracles(domain=domain)
    if as_json:
        typer.echo(json.dumps([i.__dict__ for i in infos], indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(infos)} oracles and prefixes")
    table.add_column("name", no_wrap=True)
    for col in ("kind", "domain", "usage", "description"):
        table.add_column(col, overflow="fold")
    for i in infos:
        desc = i.description if i.available else f"[red]unavailable[/red]: {i.reason}"
        table.add_row(i.name, i.kind, i.domain, i.signature, desc)
    Console().print(table)


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
    as_json: Annotated[bool, typer.Option("--json", help="print JSON lines instead of a table")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write CSV (or .jsonl) here")] = None,
) -> None:
    """Score candidates against a target: per candidate the value and every term's raw value."""
    with cli_errors():
        if not target.strip():
            raise InputError('give a target with --target, e.g. --target "qed>0.8, sa<3"')
        from sciReason.oracles import parse_target

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
        rows.append(row)
    if output is not None:
        _write(output, rows)
        typer.secho(f"wrote {len(rows)} rows to {output}", err=True)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    if output is not None:
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{objective.name}  ({len(rows)} candidates)")
    table.add_column("candidate", overflow="fold")
    table.add_column("value")
    for n in objective.term_names:
        table.add_column(n, overflow="fold")
    for cand, s in zip(cands, scored, strict=True):
        cells = [_fmt(s.terms.get(n)) for n in objective.term_names]
        table.add_row(cand, _fmt(s.value) or "[red]n/a[/red]", *cells)
    Console().print(table)


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as fh:
        if str(path).endswith(".jsonl"):
            for row in rows:
                fh.write(json.dumps(row) + "\n")
            return
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)


def register(app: typer.Typer) -> None:
    app.add_typer(oracles_app, name="oracles")
