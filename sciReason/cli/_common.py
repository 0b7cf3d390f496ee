"""Shared CLI plumbing: error handling at the edge and config loading (defaults -> TOML file -> flags)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer

from sciReason.configfile import load_toml, resolve_config
from sciReason.errors import SciReasonError

__all__ = ["cli_errors", "load_toml", "resolve_config"]


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Turn sciReason errors into a one-line message on stderr and exit code 1 (no traceback)."""
    try:
        yield
    except SciReasonError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from None
