"""Shared CLI plumbing: error handling at the edge and config loading (defaults -> TOML file -> flags)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from sciReason.errors import ConfigError, SciReasonError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

C = TypeVar("C", bound=BaseModel)


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Turn sciReason errors into a one-line message on stderr and exit code 1 (no traceback)."""
    try:
        yield
    except SciReasonError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from None


def load_toml(path: Path | None, section: str | None = None) -> dict[str, Any]:
    """Read a TOML config file; ``section`` picks a table (e.g. ``[design]``) when the file has one."""
    if path is None:
        return {}
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(p)!r} is not valid TOML: {exc}") from None
    if section and isinstance(data.get(section), dict):
        return dict(data[section])
    return data


def resolve_config(
    model: type[C], config_file: Path | None, flags: Mapping[str, Any], section: str | None = None
) -> C:
    """Build a config: model defaults, overlaid by the TOML file, overlaid by the flags actually given.

    Flags whose value is ``None`` were not given on the command line and do not override the file.
    """
    values = load_toml(config_file, section)
    values.update({k: v for k, v in flags.items() if v is not None})
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid {model.__name__}: {problems}") from None
